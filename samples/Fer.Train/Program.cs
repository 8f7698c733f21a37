// Fer.Train: trains, resumes and evaluates PersonalFer's expression CNNs on FER2013.
//   train    --data <fer2013.csv[.gz]|folder> --out <dir> [--arch VggBn|Seed] [--epochs N] ...
//            [--from <model>|default] [--teacher <model>|default ...] [--teacher-tta] (distil an ensemble into one network)
//   resume   --out <dir>
//   evaluate --model <file>|default --data <...> [--split PrivateTest] [--json <file>] [--tta]
//            [--model <file> ...] (the ensemble averaging the models' probabilities)
//   plot     --out <dir>   (training curves of a finished or interrupted run)
//   soup     --model <a> --model <b> ... --data <...> --to <file> [--uniform] (average models fine-tuned from one start)
//   recalibrate --model <file>|default --data <...> --to <file> (BatchNorm statistics of the faces as they are)
//   export   --model <run>/checkpoints/best.fermodel --data <...> --to src/Fer.Model/Models/default.fermodel
//   import-pytorch --state-dict <model.pth> --arch VggBn|Seed --to <file.fermodel>
//   export-pytorch [--model <file>|default] --to <model.pt>
using System.CommandLine;
using PersonalFer.Data;
using PersonalFer.Model;
using PersonalFer.Train;

var root = new RootCommand("Train, resume and evaluate PersonalFer's facial expression CNNs on FER2013.");
root.Subcommands.Add(TrainCommands.Train());
root.Subcommands.Add(TrainCommands.Resume());
root.Subcommands.Add(TrainCommands.Evaluate());
root.Subcommands.Add(TrainCommands.Plot());
root.Subcommands.Add(TrainCommands.Export());
root.Subcommands.Add(TrainCommands.Soup());
root.Subcommands.Add(TrainCommands.Recalibrate());
root.Subcommands.Add(PyTorchCommands.Import());
root.Subcommands.Add(PyTorchCommands.Export());
try
{
    return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is ModelFormatException or Fer2013FormatException or ArgumentException or IOException)
{
    // Bad input: the exception names the file and the problem; a stack trace would only hide it.
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
