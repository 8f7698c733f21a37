using System.IO.Compression;
using Microsoft.Data.Sqlite;

namespace PersonalFer.Web.Tests;

/// <summary>Reads the app's SQLite file directly, as an operator would, to see what it really stores.</summary>
internal static class ProfileDatabase
{
    /// <summary>The stored profile bytes of <paramref name="name"/>, or null when there is no row.</summary>
    public static byte[]? Row(string databasePath, string name)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT profile FROM profiles WHERE name = $name";
        command.Parameters.AddWithValue("$name", name);
        return command.ExecuteScalar() as byte[];
    }

    /// <summary>The entries of a stored profile (a zip): what a profile holds, sorted.</summary>
    public static string[] Entries(byte[] profile)
    {
        using var zip = new ZipArchive(new MemoryStream(profile), ZipArchiveMode.Read);
        return [.. zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal)];
    }
}
