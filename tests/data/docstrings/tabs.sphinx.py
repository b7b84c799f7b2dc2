class Settings:
	"""Summary of Settings."""

	def load_settings(self, path):
		"""Summary of load_settings.

		:param path: The path.
		:returns: The settings.
		:raises FileNotFoundError: If the file does not exist.
		"""
		if not path:
			raise FileNotFoundError(path)
		return {}
