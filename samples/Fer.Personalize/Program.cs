// Fer.Personalize: enrolls a person and measures what personalization gains.
//   capture  --camera 0 | --video <file> --out <dir> [--per-expression 5] [--countdown 3]
//   enroll   --folder <dir> --out <profile> [--name n] [--model default|<file>] [--general fer2013.csv.gz]
//   live     --camera 0 | --video <file> --profile <profile> [--model default|<file>]
//   evaluate --train <dir> --test <dir> [--model default|<file>] --json <file> [--general fer2013.csv.gz]
// Each <dir> is <expression>/*.png|jpg of one person's whole images (the detector finds the face).
// The JAFFE-dev protocol (evaluate-jaffe) is in tools/Fer.Research.
using System.CommandLine;
using PersonalFer.Personalize;
using PersonalFer.Samples;

var root = new RootCommand("Personalize PersonalFer's expression model for one person, and measure the gain.");
root.Subcommands.Add(CaptureCommands.Capture());
root.Subcommands.Add(PersonalizeCommands.Enroll());
root.Subcommands.Add(CaptureCommands.Live());
root.Subcommands.Add(PersonalizeCommands.Evaluate());
return CommandLineErrors.Invoke(root, args);
