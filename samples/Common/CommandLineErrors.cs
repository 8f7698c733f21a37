using System.CommandLine;
using PersonalFer.Data;

namespace PersonalFer.Samples;

/// <summary>How the command-line samples and tools end on bad input: one <c>error:</c> line naming the file and the problem, exit code 1.</summary>
internal static class CommandLineErrors
{
    public static int Invoke(RootCommand root, string[] args)
    {
        try
        {
            return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is PersonalFerException or ArgumentException or IOException)
        {
            // The exception names the file and the problem; a stack trace would only hide it.
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
