class Settings:
	def load_settings(self, path):
		if not path:
			raise FileNotFoundError(path)
		return {}
