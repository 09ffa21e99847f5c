"""One module per publisher or dataset: an online fetcher and the step that parses it."""
