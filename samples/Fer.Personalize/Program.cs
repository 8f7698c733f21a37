// Fer.Personalize: enrolls a person and measures what personalization gains.
//   enroll   --folder <dir> --model <file> --out <profile> [--name n] [--general fer2013.csv.gz]
//   evaluate --train <dir> --test <dir> --model <file> --json <file> [--general fer2013.csv.gz]
//   evaluate-jaffe --jaffe ../shared/data/jaffe-dev --model <file> --fer2013 <csv.gz> [--draws 5] [--markdown <file>]
// Each <dir> is <expression>/*.png|jpg of one person's whole images (the detector finds the face).
using System.CommandLine;
using PersonalFer.Personalize;

var root = new RootCommand("Personalize PersonalFer's expression model for one person, and measure the gain.");
root.Subcommands.Add(PersonalizeCommands.Enroll());
root.Subcommands.Add(PersonalizeCommands.Evaluate());
root.Subcommands.Add(JaffeCommand.Create());
return root.Parse(args).Invoke();
