class Settings:
	"""Summary of Settings."""

	def load_settings(self, path):
		"""Summary of load_settings.

		Args:
		    path: The path.

		Returns:
		    The settings.

		Raises:
		    FileNotFoundError: If the file does not exist.
		"""
		if not path:
			raise FileNotFoundError(path)
		return {}
