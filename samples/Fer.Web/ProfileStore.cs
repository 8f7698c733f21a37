using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace PersonalFer.Web;

/// <summary>
/// Profiles by user name in one table: the profile file's bytes (head weights and metadata, never images), when it was
/// made and on how many faces. Plain ADO.NET on <see cref="DbConnection"/>: moving it to a shared PostgreSQL database
/// means opening an Npgsql connection instead and declaring the column <c>bytea</c> (README, Scale-out).
/// </summary>
internal sealed class ProfileStore(string databasePath)
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = true }.ToString();

    /// <summary>The SQLite file.</summary>
    public string DatabasePath { get; } = databasePath;

    /// <summary>Creates the folder and the table when missing.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // BLOB is bytea in PostgreSQL; the rest is common SQL.
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS profiles (
                name TEXT PRIMARY KEY,
                created TEXT NOT NULL,
                faces INTEGER NOT NULL,
                profile BLOB NOT NULL)
            """;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Stores (or replaces) <paramref name="name"/>'s profile.</summary>
    public async Task SaveAsync(string name, byte[] profile, DateTimeOffset created, int faces, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO profiles (name, created, faces, profile) VALUES (@name, @created, @faces, @profile)
            ON CONFLICT (name) DO UPDATE SET created = excluded.created, faces = excluded.faces, profile = excluded.profile
            """;
        Add(command, "@name", name);
        Add(command, "@created", created.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        Add(command, "@faces", faces);
        Add(command, "@profile", profile);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary><paramref name="name"/>'s profile bytes, or null when they have none.</summary>
    public async Task<byte[]?> LoadAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT profile FROM profiles WHERE name = @name";
        Add(command, "@name", name);
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    /// <summary>Deletes <paramref name="name"/>'s profile; false when there was none.</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM profiles WHERE name = @name";
        Add(command, "@name", name);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
