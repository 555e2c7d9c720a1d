from shoptool.cli import main

main()
