// Fer.Train: trains, resumes and evaluates PersonalFer's expression CNNs on FER2013.
//   train    --data <fer2013.csv[.gz]|folder> --out <dir> [--arch VggBn|Seed] [--epochs N] ...
//   resume   --out <dir>
//   evaluate --model <file>|default --data <...> [--split PrivateTest] [--json <file>] [--tta]
//   plot     --out <dir>   (training curves of a finished or interrupted run)
//   export   --model <run>/checkpoints/best.fermodel --data <...> --to src/Fer.Model/Models/default.fermodel
using System.CommandLine;
using PersonalFer.Train;

var root = new RootCommand("Train, resume and evaluate PersonalFer's facial expression CNNs on FER2013.");
root.Subcommands.Add(TrainCommands.Train());
root.Subcommands.Add(TrainCommands.Resume());
root.Subcommands.Add(TrainCommands.Evaluate());
root.Subcommands.Add(TrainCommands.Plot());
root.Subcommands.Add(TrainCommands.Export());
return root.Parse(args).Invoke();
