"""`mlgate comment`, `issue`, `pr` and `dispatch`: what the workflows ask of GitHub's REST API."""
