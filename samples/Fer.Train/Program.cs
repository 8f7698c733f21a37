// Fer.Train: trains, resumes, evaluates and exports PersonalFer's expression CNNs on FER2013.
//   train    --data <fer2013.csv[.gz]|folder> --out <dir> [--arch VggBn|VggBnCompact|Seed] [--epochs N] [--lr x] ... [--from <model>|default]
//   resume   --out <dir>
//   evaluate --model <file>|default --data <...> [--split PrivateTest] [--through-pipeline [--padding Black]] [--json <file>]
//   evaluate --model <file>|default --photos <folder>   (labelled photos through the pipeline)
//   export   --model <run>/checkpoints/best.fermodel --data <...> --to <file> [--weights Float16]
//   import-pytorch --state-dict <model.pth> --arch VggBn|VggBnCompact|Seed --to <file.fermodel>
//   export-pytorch [--model <file>|default] --to <model.pt>
// Research commands (distillation, soups, ensembles, plots) are in tools/Fer.Research.
using System.CommandLine;
using PersonalFer.Train;
using PersonalFer.Samples;

var root = new RootCommand("Train, resume, evaluate and export PersonalFer's facial expression CNNs on FER2013.");
root.Subcommands.Add(TrainCommands.Train());
root.Subcommands.Add(TrainCommands.Resume());
root.Subcommands.Add(TrainCommands.Evaluate());
root.Subcommands.Add(TrainCommands.Export());
root.Subcommands.Add(PyTorchCommands.Import());
root.Subcommands.Add(PyTorchCommands.Export());
return CommandLineErrors.Invoke(root, args);
