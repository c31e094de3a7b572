"""``python -m beacon``: the ``beacon`` command, for machines where the console
script is not on PATH (a venv not activated, Windows without Scripts/ on PATH)."""

from beacon.cli import main

if __name__ == "__main__":
    main(prog_name="beacon")
