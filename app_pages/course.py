"""The course: one lesson at a time, Why -> Predict -> Play -> What you saw -> Check -> Plain
PyTorch; the place is in the address (`?lesson=...&step=...`)."""

from widgets import lesson

current, stage = lesson.place()
lesson.show(current, stage)
