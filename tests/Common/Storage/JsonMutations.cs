using System.Text.Json.Nodes;
using CsCheck;

namespace PersonalFer.Tests;

/// <summary>What a mutation of a JSON manifest does; the generator shrinks towards the first.</summary>
internal enum JsonDamage
{
    SetString,
    SetNumber,
    Delete,
    SetNull,
    SetBool,
    SetObject,
    SetArray,
    AddProperty,
    DuplicateProperty,
    CutText,
    InsertCharacter,
}

/// <summary>One mutation: what, at which node (counted in document order, wrapping), with which value.</summary>
internal sealed record JsonMutation(JsonDamage Damage, int Node, int Value);

/// <summary>
/// Mutations of the JSON manifests of model files and profiles: fields deleted, nulled, given wrong types, huge or
/// odd numbers, odd strings, arrays of the wrong length, unknown or repeated properties, and damaged text.
/// </summary>
internal static class JsonMutations
{
    private const string Punctuation = "{}[],:\"0-e.\\ ";

    private static readonly double[] Numbers =
    [
        0, -1, 1, 2, 3, 6, 7, 8, 48, 99, 0.5, 1.5, 1e-3, 1e-30, 1e30, 3.5e38, 1e300, -1e300, int.MaxValue,
        int.MinValue, (double)int.MaxValue + 1, long.MaxValue, 1e20, 0.1, 0.01, 0.001,
    ];

    private static readonly string[] Strings =
    [
        "", " ", "x", "Seed", "VggBn", "seed", "Furious", "1", "NaN", "Infinity", "-Infinity", "\uD800", "a\u0000b",
        "\u202Eevil", "😀", new string('n', 5000), new string('a', 64), new string('A', 64), new string('a', 63), "abc",
        "0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00", "1970-01-01T00:00:00Z", "2026-13-45T99:00:00Z",
        "2026-01-01T00:00:00+14:00",
    ];

    /// <summary>One to three mutations applied in turn.</summary>
    public static Gen<JsonMutation[]> Mutations { get; } =
        Gen.Select(Gen.Enum<JsonDamage>(), Gen.Int[0, 200], Gen.Int[0, 10_000], (damage, node, value) => new JsonMutation(damage, node, value)).Array[1, 3];

    public static string Apply(string json, IEnumerable<JsonMutation> mutations) => mutations.Aggregate(json, Apply);

    private static string Apply(string json, JsonMutation mutation)
    {
        switch (mutation.Damage)
        {
            case JsonDamage.CutText:
                return json[..(mutation.Value % Math.Max(1, json.Length))];
            case JsonDamage.InsertCharacter:
                var at = mutation.Value % Math.Max(1, json.Length);
                return json[..at] + Punctuation[mutation.Node % Punctuation.Length] + json[at..];
        }

        JsonNode? root;
        List<(JsonNode? Parent, string? Key, int Index)> nodes;
        try
        {
            root = JsonNode.Parse(json);
            nodes = root is null ? [] : [.. Descendants(root)]; // a repeated property name surfaces only when its object is first used
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException)
        {
            return json; // damaged text stays as it is
        }

        if (root is null)
        {
            return json;
        }

        if (mutation.Damage == JsonDamage.DuplicateProperty)
        {
            // JsonObject holds no repeated names: the first property is repeated as text.
            if (root is not JsonObject { Count: > 0 } document)
            {
                return json;
            }

            var (name, first) = document.First();
            return json.Insert(json.IndexOf('{') + 1, $"\"{name}\": {first?.ToJsonString() ?? "null"},");
        }

        var (parent, key, index) = nodes[mutation.Node % nodes.Count];
        JsonNode? value = mutation.Damage switch
        {
            JsonDamage.SetString => Strings[mutation.Value % Strings.Length],
            JsonDamage.SetNumber => Numbers[mutation.Value % Numbers.Length],
            JsonDamage.SetBool => mutation.Value % 2 == 0,
            JsonDamage.SetObject => new JsonObject(),
            JsonDamage.SetArray => new JsonArray([.. Enumerable.Range(0, mutation.Value % 10).Select(i => (JsonNode?)JsonValue.Create(i))]),
            _ => null,
        };

        switch (parent, mutation.Damage)
        {
            case (JsonObject o, JsonDamage.Delete):
                o.Remove(key!);
                break;
            case (JsonArray a, JsonDamage.Delete):
                a.RemoveAt(index);
                break;
            case (JsonObject o, JsonDamage.AddProperty):
                o[$"Unknown{mutation.Value}"] = mutation.Value;
                break;
            case (JsonArray a, JsonDamage.AddProperty):
                a.Add(a.Count > 0 ? a[0]?.DeepClone() : null);
                break;
            case (JsonObject o, _):
                o[key!] = value;
                break;
            case (JsonArray a, _):
                a[index] = value;
                break;
            default: // the root itself
                return value?.ToJsonString() ?? "null";
        }

        return root.ToJsonString();
    }

    // Every node with where it sits: the root (no parent), then each property and array element, depth first.
    private static IEnumerable<(JsonNode? Parent, string? Key, int Index)> Descendants(JsonNode root)
    {
        yield return (null, null, -1);
        var stack = new Stack<JsonNode>([root]);
        while (stack.TryPop(out var node))
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (key, child) in o)
                    {
                        yield return (o, key, -1);
                        if (child is not null)
                        {
                            stack.Push(child);
                        }
                    }

                    break;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++)
                    {
                        yield return (a, null, i);
                        if (a[i] is { } child)
                        {
                            stack.Push(child);
                        }
                    }

                    break;
            }
        }
    }
}
