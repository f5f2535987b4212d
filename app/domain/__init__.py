"""Pure rules: no Flask, no database. Each module holds one rule set."""
