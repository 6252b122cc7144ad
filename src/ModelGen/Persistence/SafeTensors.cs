using System.Numerics;
using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;

namespace ModelGen.Persistence;

/// <summary>Element types of the safetensors format that ModelGen reads (and, for F32/F64/I64, writes).</summary>
public enum TensorDType
{
    /// <summary>IEEE binary32.</summary>
    F32,
    /// <summary>IEEE binary64.</summary>
    F64,
    /// <summary>IEEE binary16.</summary>
    F16,
    /// <summary>bfloat16: the upper half of a binary32.</summary>
    BF16,
    /// <summary>Signed 64-bit integer (PyTorch's <c>num_batches_tracked</c>).</summary>
    I64,
}

/// <summary>One tensor of a safetensors header: name, element type, shape and byte range [Begin, End) of the data section.</summary>
public sealed class SafeTensorEntry
{
    internal SafeTensorEntry(string name, TensorDType type, long[] shape, long begin, long end)
    {
        Name = name; DType = type; _shape = shape; Begin = begin; End = end;
    }

    private readonly long[] _shape;

    /// <summary>The tensor's name (<c>Hidden.weight</c>).</summary>
    public string Name { get; }
    /// <summary>Element type.</summary>
    public TensorDType DType { get; }
    /// <summary>Dimensions, row-major; empty for a scalar.</summary>
    public ReadOnlySpan<long> Shape => _shape;
    /// <summary>First byte in the data section.</summary>
    public long Begin { get; }
    /// <summary>One past the last byte in the data section.</summary>
    public long End { get; }

    internal string ShapeText => "[" + string.Join(", ", _shape) + "]";
}

/// <summary>
/// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes of JSON mapping
/// each tensor name to <c>dtype</c>, <c>shape</c> and <c>data_offsets</c> (plus an optional <c>__metadata__</c> string
/// map), then the data, little-endian, each tensor contiguous and row-major. Reading treats the file as untrusted: every
/// length and offset is checked against the file before anything is allocated or read, and the data section must be
/// covered exactly, without overlaps or holes, as the format requires.
/// </summary>
public static class SafeTensors
{
    /// <summary>The largest header accepted (the reference implementation's limit).</summary>
    public const int MaxHeaderBytes = 100_000_000;

    /// <summary>The parsed, validated header of a safetensors stream, positioned at its data section.</summary>
    public sealed class Header
    {
        internal Header(List<SafeTensorEntry> tensors, Dictionary<string, string> metadata, long? dataLength)
        {
            Tensors = tensors; Metadata = metadata; DataLength = dataLength;
        }

        /// <summary>The tensors, in the order of their data (ascending offsets).</summary>
        public IReadOnlyList<SafeTensorEntry> Tensors { get; }
        /// <summary>The <c>__metadata__</c> map (empty when absent).</summary>
        public IReadOnlyDictionary<string, string> Metadata { get; }
        /// <summary>Bytes of the data section, when the stream's length is known.</summary>
        public long? DataLength { get; }
    }

    /// <summary>Bytes per element of <paramref name="type"/>.</summary>
    public static int ElementSize(TensorDType type) => type switch
    {
        TensorDType.F32 => 4,
        TensorDType.F64 or TensorDType.I64 => 8,
        _ => 2,
    };

    /// <summary>
    /// Reads and validates the header; the stream is left at the first byte of the data section.
    /// <paramref name="source"/> names the file (or stream) in every exception.
    /// </summary>
    /// <exception cref="InvalidDataException">The stream is not a well-formed safetensors file.</exception>
    public static Header ReadHeader(Stream stream, string source)
    {
        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(stream, prefix, source, "the header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        long? streamRemaining = stream.CanSeek ? stream.Length - stream.Position : null;
        if (headerLength > MaxHeaderBytes)
            throw Invalid(source, $"the header claims {headerLength} bytes, more than the {MaxHeaderBytes} a safetensors header may have");
        if (streamRemaining is long remaining && (long)headerLength > remaining)
            throw Invalid(source, $"the header claims {headerLength} bytes but only {remaining} follow the length prefix (truncated or not a safetensors file)");
        byte[] json = ReadHeaderBytes(stream, (int)headerLength, source);
        long? dataLength = streamRemaining - (long)headerLength;

        var tensors = new List<SafeTensorEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            using JsonDocument document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw Invalid(source, "the header is not a JSON object");
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                    throw Invalid(source, $"tensor '{property.Name}' appears twice in the header");
                if (property.Name == "__metadata__")
                {
                    ReadMetadata(property.Value, metadata, source);
                    continue;
                }
                tensors.Add(ReadEntry(property, source));
            }
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"{source}: the header is not valid JSON ({exception.Message})", exception);
        }

        tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long covered = 0;
        SafeTensorEntry? previous = null;
        foreach (SafeTensorEntry tensor in tensors)
        {
            if (tensor.Begin < covered)
                throw Invalid(source, $"tensor '{tensor.Name}' (bytes {tensor.Begin}–{tensor.End}) overlaps '{previous!.Name}' (bytes {previous.Begin}–{previous.End})");
            if (tensor.Begin > covered)
                throw Invalid(source, $"bytes {covered}–{tensor.Begin} of the data, before tensor '{tensor.Name}', belong to no tensor");
            if (dataLength is long available && tensor.End > available)
                throw Invalid(source, $"tensor '{tensor.Name}' ends at byte {tensor.End} of the data, but the file holds only {available} (truncated?)");
            covered = tensor.End;
            previous = tensor;
        }
        if (dataLength is long total && covered != total)
            throw Invalid(source, $"the data section has {total} bytes but its tensors cover {covered}");
        return new Header(tensors, metadata, dataLength);
    }

    /// <summary>
    /// The header for <paramref name="tensors"/> written in the given order, data contiguous from offset 0: the 8-byte
    /// length, the JSON, spaces to a multiple of 8 bytes (so the data is aligned).
    /// </summary>
    public static byte[] BuildHeader(IReadOnlyList<(string Name, TensorDType DType, long[] Shape)> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject("__metadata__");
                foreach (KeyValuePair<string, string> entry in metadata)
                    writer.WriteString(entry.Key, entry.Value);
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach ((string name, TensorDType type, long[] shape) in tensors)
            {
                long bytes = ElementSize(type);
                foreach (long dimension in shape)
                    bytes *= dimension;
                writer.WriteStartObject(name);
                writer.WriteString("dtype", type.ToString());
                writer.WriteStartArray("shape");
                foreach (long dimension in shape)
                    writer.WriteNumberValue(dimension);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + bytes);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += bytes;
            }
            writer.WriteEndObject();
        }
        int padded = (json.WrittenCount + 7) / 8 * 8;
        var header = new byte[8 + padded];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)padded);
        json.WrittenSpan.CopyTo(header.AsSpan(8));
        header.AsSpan(8 + json.WrittenCount).Fill((byte)' ');
        return header;
    }

    /// <summary>Reads exactly <paramref name="destination"/>.Length bytes; a short stream is a truncated file.</summary>
    internal static void ReadExactly(Stream stream, Span<byte> destination, string source, string what)
    {
        int read = 0;
        while (read < destination.Length)
        {
            int n = stream.Read(destination[read..]);
            if (n == 0)
                throw Invalid(source, $"the file ends inside {what} (truncated)");
            read += n;
        }
    }

    internal static InvalidDataException Invalid(string source, string detail) => new($"{source}: {detail}.");

    /// <summary>
    /// The header's bytes. A stream of unknown length is read in growing chunks, so a header length that lies on a
    /// truncated stream fails at the end of the data instead of allocating what it claims.
    /// </summary>
    private static byte[] ReadHeaderBytes(Stream stream, int length, string source)
    {
        if (stream.CanSeek)
        {
            var exact = new byte[length];
            ReadExactly(stream, exact, source, "the header");
            return exact;
        }
        var buffer = new byte[Math.Min(length, 64 * 1024)];
        int read = 0;
        while (read < length)
        {
            if (read == buffer.Length)
                Array.Resize(ref buffer, (int)Math.Min(length, 2L * buffer.Length));
            int n = stream.Read(buffer, read, buffer.Length - read);
            if (n == 0)
                throw Invalid(source, $"the file ends {read} bytes into a header that claims {length} (truncated)");
            read += n;
        }
        return buffer;
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Invalid(source, "__metadata__ is not a JSON object");
        foreach (JsonProperty entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw Invalid(source, $"__metadata__ entry '{entry.Name}' is not a string");
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
                throw Invalid(source, $"__metadata__ entry '{entry.Name}' appears twice");
        }
    }

    private static SafeTensorEntry ReadEntry(JsonProperty property, string source)
    {
        string name = property.Name;
        if (property.Value.ValueKind != JsonValueKind.Object)
            throw Invalid(source, $"tensor '{name}' is not described by a JSON object");
        string? typeText = null;
        long[]? shape = null, offsets = null;
        foreach (JsonProperty field in property.Value.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype" when field.Value.ValueKind == JsonValueKind.String && typeText is null:
                    typeText = field.Value.GetString();
                    break;
                case "shape" when shape is null:
                    shape = ReadIntegers(field.Value, source, name, "shape");
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadIntegers(field.Value, source, name, "data_offsets");
                    break;
                default:
                    throw Invalid(source, $"tensor '{name}' has an unexpected or repeated field '{field.Name}'");
            }
        }
        if (typeText is null || shape is null || offsets is null)
            throw Invalid(source, $"tensor '{name}' lacks {(typeText is null ? "dtype" : shape is null ? "shape" : "data_offsets")}");
        if (!Enum.TryParse(typeText, ignoreCase: false, out TensorDType type) || !Enum.IsDefined(type))
            throw Invalid(source, $"tensor '{name}' has dtype {typeText}; ModelGen reads F32, F64, F16, BF16 and I64");
        if (offsets.Length != 2 || offsets[0] > offsets[1])
            throw Invalid(source, $"tensor '{name}' has data_offsets [{string.Join(", ", offsets)}]; expected [begin, end] with begin ≤ end");
        // The element count, checked for overflow: a lying shape must not wrap around to match its offsets.
        long bytes = ElementSize(type);
        foreach (long dimension in shape)
        {
            if (dimension != 0 && bytes > long.MaxValue / dimension)
                throw Invalid(source, $"tensor '{name}' has shape [{string.Join(", ", shape)}], too large for any file");
            bytes *= dimension;
        }
        if (offsets[1] - offsets[0] != bytes)
            throw Invalid(source, $"tensor '{name}' is {type} [{string.Join(", ", shape)}], {bytes} bytes, but its data_offsets span {offsets[1] - offsets[0]}");
        return new SafeTensorEntry(name, type, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadIntegers(JsonElement value, string source, string name, string field)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > 8)
            throw Invalid(source, $"tensor '{name}' has a {field} that is not an array of at most 8 integers");
        var numbers = new long[value.GetArrayLength()];
        int i = 0;
        foreach (JsonElement element in value.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out long number) || number < 0)
                throw Invalid(source, $"tensor '{name}' has a {field} entry {element.GetRawText()}, not a non-negative integer");
            numbers[i++] = number;
        }
        return numbers;
    }

    /// <summary>Converts little-endian <paramref name="bytes"/> of <paramref name="type"/> to <typeparamref name="T"/>.</summary>
    internal static void Decode<T>(ReadOnlySpan<byte> bytes, TensorDType type, Span<T> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = type switch
            {
                TensorDType.F32 => T.CreateChecked(BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..])),
                TensorDType.F64 => T.CreateChecked(BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..])),
                TensorDType.F16 => T.CreateChecked((float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..])),
                TensorDType.BF16 => T.CreateChecked(BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16)),
                _ => throw new InvalidOperationException($"{type} is not a floating-point type"),
            };
        }
    }

    /// <summary>Writes <paramref name="values"/> as little-endian F32 (float) or F64 (double).</summary>
    internal static void Encode<T>(ReadOnlySpan<T> values, Span<byte> destination)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
            for (int i = 0; i < values.Length; i++)
                BinaryPrimitives.WriteSingleLittleEndian(destination[(4 * i)..], float.CreateTruncating(values[i]));
        else
            for (int i = 0; i < values.Length; i++)
                BinaryPrimitives.WriteDoubleLittleEndian(destination[(8 * i)..], double.CreateTruncating(values[i]));
    }
}
