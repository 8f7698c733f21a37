// Fer.Research: the tooling that produced the shipped model, for people who train general models. Not packed.
//   train    Fer.Train's options plus --teacher <model> (repeat) [--teacher-tta] [--distill-weight w] [--temperature T]
//            [--teacher-data <fer2013 file paired row for row>] [--mixup a] [--average-from E]
//   resume   --out <dir>
//   soup     --model <a> --model <b> ... --data <...> --to <file> [--uniform]
//   recalibrate --model <file>|default --data <...> --to <file>
//   reframe  --data <...> --to <file.csv.gz> --paired-to <file.csv.gz> [--model default|<file>] [--seed N]
//   evaluate --model <file>|default [--model ...] --data <...> [--split PrivateTest] [--tta] [--confusion-png <file>] [--json <file>]
//   plot     --out <dir>
//   evaluate-jaffe --jaffe ../shared/data/jaffe-dev --fer2013 <csv.gz> [--model default|<file>] [--draws 5] [--markdown <file>]
using System.CommandLine;
using PersonalFer.Model;
using PersonalFer.Research;
using PersonalFer.Samples;

// Every command calls TorchSharp, some (--threads) before any Fer.Model call would load it: load it first.
TorchRuntime.EnsureInitialized();
var root = new RootCommand("PersonalFer research tooling: distillation, mixup, weight averaging, model soups, BatchNorm recalibration, ensembles, plots, the JAFFE-dev protocol.");
root.Subcommands.Add(ResearchCommands.Train());
root.Subcommands.Add(ResearchCommands.Resume());
root.Subcommands.Add(SoupCommand.Create());
root.Subcommands.Add(LosoCommand.Create());
root.Subcommands.Add(RecalibrateCommand.Create());
root.Subcommands.Add(ReframeCommand.Create());
root.Subcommands.Add(ShrinkCommand.Create());
root.Subcommands.Add(ResearchCommands.Evaluate());
root.Subcommands.Add(ResearchCommands.Plot());
root.Subcommands.Add(JaffeCommand.Create());
return CommandLineErrors.Invoke(root, args);
