from vidanime.cli.app import main

main()
