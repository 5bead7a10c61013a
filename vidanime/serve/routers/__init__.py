"""The web app's routes, one router per resource: the page, styles, uploads, jobs."""
