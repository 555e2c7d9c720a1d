from shoptool.cli import app

app(prog_name="shoptool")
