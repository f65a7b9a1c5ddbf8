"""`kling.batch`: a jobs file run to the end, resumably, with a ledger."""
