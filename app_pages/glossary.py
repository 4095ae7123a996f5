"""The course's glossary: English, Chinese, the PyTorch name, and what each term means."""

from widgets.glossary import glossary

glossary()
