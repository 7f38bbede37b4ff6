"""What a run concludes: the verdict, the rules broken, outcomes observed, the Markdown, HTML and JUnit reports."""
