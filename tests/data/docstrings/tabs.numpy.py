class Settings:
	"""Summary of Settings."""

	def load_settings(self, path):
		"""Summary of load_settings.

		Parameters
		----------
		path
		    The path.

		Returns
		-------
		result
		    The settings.

		Raises
		------
		FileNotFoundError
		    If the file does not exist.
		"""
		if not path:
			raise FileNotFoundError(path)
		return {}
