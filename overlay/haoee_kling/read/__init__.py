"""Reading answers: the tolerant reader and the shapes it reads by."""
