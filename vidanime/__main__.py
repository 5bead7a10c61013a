from vidanime.cli.entry import main

main()
