using System.Globalization;
using System.Text;
using System.Text.Json;
using PersonalFer.Data;

namespace PersonalFer.Demo;

/// <summary>
/// Streams predictions as they come: a JSON document {"frames": [{"frame", "timeMs", "faces": [...]}]} and a CSV
/// with one row per frame and face, so long videos never sit in memory.
/// </summary>
internal sealed class PredictionWriter : IDisposable
{
    private readonly FileStream _jsonFile;
    private readonly Utf8JsonWriter _json;
    private readonly StreamWriter _csv;

    public PredictionWriter(string jsonPath, string csvPath)
    {
        _jsonFile = File.Create(jsonPath);
        _json = new Utf8JsonWriter(_jsonFile, new JsonWriterOptions { Indented = true });
        _json.WriteStartObject();
        _json.WriteStartArray("classOrder");
        foreach (var expression in Expressions.All)
        {
            _json.WriteStringValue(expression.ToString());
        }

        _json.WriteEndArray();
        _json.WriteStartArray("frames");
        _csv = new StreamWriter(csvPath, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        _csv.WriteLine("frame,time_ms,track,x,y,width,height,detection_confidence,expression,confidence," +
            string.Join(',', Expressions.All.Select(e => "p_" + e.ToString().ToLowerInvariant())));
    }

    public void Write(int frame, double timeMs, IReadOnlyList<TrackedFaceExpression> faces)
    {
        _json.WriteStartObject();
        _json.WriteNumber("frame", frame);
        _json.WriteNumber("timeMs", Math.Round(timeMs, 1));
        _json.WriteStartArray("faces");
        foreach (var face in faces)
        {
            var box = face.Frame.Box;
            _json.WriteStartObject();
            _json.WriteNumber("track", face.TrackId);
            _json.WriteStartObject("box");
            _json.WriteNumber("x", box.X);
            _json.WriteNumber("y", box.Y);
            _json.WriteNumber("width", box.Width);
            _json.WriteNumber("height", box.Height);
            _json.WriteEndObject();
            _json.WriteNumber("detectionConfidence", Math.Round(face.Frame.DetectionConfidence, 4));
            _json.WriteString("expression", face.Expression.ToString());
            _json.WriteNumber("confidence", Math.Round(face.Confidence, 4));
            _json.WriteStartObject("probabilities");
            for (var k = 0; k < Expressions.Count; k++)
            {
                _json.WriteNumber(Expressions.All[k].ToString(), Math.Round(face.Probabilities[k], 4));
            }

            _json.WriteEndObject();
            _json.WriteEndObject();
            _csv.WriteLine(string.Join(',', new object[]
            {
                frame, timeMs.ToString("F1", CultureInfo.InvariantCulture), face.TrackId, box.X, box.Y, box.Width, box.Height,
                face.Frame.DetectionConfidence.ToString("F4", CultureInfo.InvariantCulture), face.Expression, face.Confidence.ToString("F4", CultureInfo.InvariantCulture),
            }.Concat(face.Probabilities.Select(p => (object)p.ToString("F4", CultureInfo.InvariantCulture)))));
        }

        _json.WriteEndArray();
        _json.WriteEndObject();
    }

    public void Dispose()
    {
        _json.WriteEndArray();
        _json.WriteEndObject();
        _json.Dispose();
        _jsonFile.Dispose();
        _csv.Dispose();
    }
}
