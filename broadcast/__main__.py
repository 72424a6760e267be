"""`python -m broadcast` runs the CLI."""

from broadcast.cli import main

if __name__ == "__main__":  # process pools that spawn (Windows, `network make`) import this module again
    main()
