using System.Text.Json;
using System.Text.Json.Serialization;

namespace WinsockSpi.Tracing;

/// <summary>
/// Reads and writes traces as JSON with a source-generated serializer (trim- and AOT-safe). The schema is documented in
/// docs/tracing.md: an object <c>{"version": 1, "events": [...]}</c> whose events carry the members of
/// <see cref="TraceEvent"/> in camel case, enums as their names, members without a value left out.
/// </summary>
public static class TraceJson
{
    /// <summary>The schema version written by <see cref="Serialize"/>.</summary>
    public const int SchemaVersion = 1;

    /// <summary>Writes a trace as indented JSON (lines end with <c>\n</c> on every platform, so traces compare byte for byte).</summary>
    /// <param name="events">The steps.</param>
    /// <returns>The JSON text.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="events"/> is <see langword="null"/>.</exception>
    public static string Serialize(IReadOnlyList<TraceEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var document = new TraceDocument(SchemaVersion, [.. events]);
        return JsonSerializer.Serialize(document, TraceJsonContext.Default.TraceDocument).Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    /// <summary>Reads a trace written by <see cref="Serialize"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The steps.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is <see langword="null"/>.</exception>
    /// <exception cref="JsonException">The text is not a trace of a known schema version.</exception>
    public static IReadOnlyList<TraceEvent> Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var document = JsonSerializer.Deserialize(json, TraceJsonContext.Default.TraceDocument)
            ?? throw new JsonException("The JSON holds no trace.");
        if (document.Version != SchemaVersion)
        {
            throw new JsonException($"Trace schema version {document.Version} is not known; this library reads version {SchemaVersion}.");
        }

        return document.Events ?? [];
    }
}

/// <summary>The JSON document of a trace.</summary>
/// <param name="Version">The schema version.</param>
/// <param name="Events">The steps.</param>
internal sealed record TraceDocument(int Version, TraceEvent[]? Events);

[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TraceDocument))]
internal sealed partial class TraceJsonContext : JsonSerializerContext
{
}
