class Settings:
	"""Summary of Settings."""

	def load_settings(self, path):
		"""Summary of load_settings."""
		if not path:
			raise FileNotFoundError(path)
		return {}
