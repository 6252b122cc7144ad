using System.Numerics;
using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace ModelGen.Persistence;

/// <summary>
/// Saves and loads generated models as safetensors. A weights file holds PyTorch's state_dict for the model: the
/// manifest's tensors under their names (Dense weights transposed to torch.nn.Linear's [units × inputs]) and, per batch
/// norm, <c>num_batches_tracked</c>. A checkpoint adds everything training needs to resume exactly: the optimizer state
/// (<c>optimizer.{tensor}.{exp_avg|exp_avg_sq|momentum_buffer|square_avg|sum}</c>, in the tensor's layout) and, in the
/// metadata, the step count and dropout seed. Loading validates the whole file into scratch buffers sized by the model,
/// never by the file, and only then writes the model, under its write gate: a rejected file leaves the model unchanged.
/// </summary>
public static class ModelFiles
{
    private const string FormatKey = "format", FormatValue = "modelgen/1", ContentsKey = "contents", ModelKey = "model",
        StepKey = "step", SeedKey = "dropout_seed", OptimizerKey = "optimizer", OptimizerPrefix = "optimizer.",
        BatchesTracked = ".num_batches_tracked", RunningVariance = ".running_var";

    private const int ChunkElements = 16 * 1024;

    /// <summary>
    /// Writes the model to <paramref name="path"/> atomically: to a temporary file in the same folder, flushed to disk,
    /// then renamed over <paramref name="path"/>. A crash at any point leaves the previous file whole.
    /// </summary>
    public static void Save<T>(ICheckpointable<T> model, string path, bool checkpoint) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        WriteAtomically(path, stream => Save(model, stream, checkpoint));
    }

    /// <summary>
    /// Writes a file through <paramref name="write"/> to a temporary file in the same folder, flushes it to disk, then
    /// renames it over <paramref name="path"/>: readers see the old file or the new one, never a torn one.
    /// </summary>
    public static void WriteAtomically(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(file);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Writes the model to <paramref name="stream"/> (waits for a running training step; inference may go on).</summary>
    public static void Save<T>(ICheckpointable<T> model, Stream stream, bool checkpoint) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        model.Gate.EnterRead();
        try
        {
            TrainingPosition position = model.Position;
            List<Planned<T>> plan = Plan(model, checkpoint);
            var header = new List<(string, TensorDType, long[])>(plan.Count);
            TensorDType type = typeof(T) == typeof(float) ? TensorDType.F32 : TensorDType.F64;
            foreach (Planned<T> tensor in plan)
                header.Add((tensor.Name, tensor.IsCounter ? TensorDType.I64 : type, tensor.FileShape));
            stream.Write(SafeTensors.BuildHeader(header, Metadata(model, position, checkpoint)));

            byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkElements * 8);
            T[] values = ArrayPool<T>.Shared.Rent(ChunkElements);
            try
            {
                foreach (Planned<T> tensor in plan)
                {
                    if (tensor.IsCounter)
                    {
                        BinaryPrimitives.WriteInt64LittleEndian(buffer, position.Step);
                        stream.Write(buffer, 0, 8);
                        continue;
                    }
                    ReadOnlySpan<T> source = tensor.Buffer.Span.Slice(tensor.Info.Offset, tensor.Info.Length);
                    for (int start = 0; start < source.Length; start += ChunkElements)
                    {
                        int count = Math.Min(ChunkElements, source.Length - start);
                        for (int i = 0; i < count; i++)
                            values[i] = source[tensor.StoredIndex(start + i)];
                        int bytes = count * SafeTensors.ElementSize(type);
                        SafeTensors.Encode<T>(values.AsSpan(0, count), buffer.AsSpan(0, bytes));
                        stream.Write(buffer, 0, bytes);
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
                ArrayPool<T>.Shared.Return(values);
            }
        }
        finally
        {
            model.Gate.ExitRead();
        }
    }

    /// <summary>Loads the model from the file at <paramref name="path"/>; see <see cref="Load{T}(ICheckpointable{T}, Stream, string, bool)"/>.</summary>
    public static void Load<T>(ICheckpointable<T> model, string path, bool checkpoint) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        Load(model, file, path, checkpoint);
    }

    /// <summary>Loads the model from <paramref name="stream"/>, named in messages by its file name when it has one.</summary>
    public static void Load<T>(ICheckpointable<T> model, Stream stream, bool checkpoint) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        Load(model, stream, stream is FileStream file ? file.Name : "the stream", checkpoint);
    }

    /// <summary>
    /// Loads weights (every manifest tensor, by name, F32/F64/F16/BF16, shapes as Save writes them) or, with
    /// <paramref name="checkpoint"/>, also the optimizer state and training position. Tensors the model does not have
    /// are an error (PyTorch's strict loading), except a weights load skips a checkpoint's optimizer state.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is malformed, or does not fit the model; the message names
    /// <paramref name="source"/> and the tensor. The model is unchanged.</exception>
    public static void Load<T>(ICheckpointable<T> model, Stream stream, string source, bool checkpoint) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        SafeTensors.Header header = SafeTensors.ReadHeader(stream, source);
        TrainingPosition position = checkpoint ? ReadPosition(model, header, source) : default;

        // Scratch copies of every buffer the file writes, sized by the model.
        var scratch = new Dictionary<Memory<T>, T[]>();
        T[] Scratch(Memory<T> buffer) => scratch.TryGetValue(buffer, out T[]? copy) ? copy : scratch[buffer] = new T[buffer.Length];
        var expected = new Dictionary<string, Planned<T>>(StringComparer.Ordinal);
        foreach (Planned<T> tensor in Plan(model, checkpoint))
            if (!tensor.IsCounter)
                expected.Add(tensor.Name, tensor);
        var counters = new HashSet<string>(StringComparer.Ordinal);
        foreach (ParameterInfo info in model.Manifest)
            if (Counter(info) is { } counter)
                counters.Add(counter);

        var seen = new HashSet<string>(StringComparer.Ordinal);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkElements * 8);
        T[] values = ArrayPool<T>.Shared.Rent(ChunkElements);
        try
        {
            foreach (SafeTensorEntry entry in header.Tensors)
            {
                if (expected.TryGetValue(entry.Name, out Planned<T> tensor))
                {
                    Check(entry, tensor, model.ModelName, source);
                    Read(stream, entry, tensor, Scratch(tensor.Buffer), buffer, values, source);
                    seen.Add(entry.Name);
                }
                else if (counters.Contains(entry.Name))
                {
                    if (entry.DType != TensorDType.I64 || entry.Shape.Length > 1 || (entry.Shape.Length == 1 && entry.Shape[0] != 1))
                        throw SafeTensors.Invalid(source, $"tensor '{entry.Name}' is {entry.DType} {entry.ShapeText}; a batch counter is an I64 scalar");
                    Skip(stream, entry, buffer, source);
                }
                else if (!checkpoint && entry.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
                    Skip(stream, entry, buffer, source);
                else
                    throw SafeTensors.Invalid(source, $"tensor '{entry.Name}' is not part of {model.ModelName} (its tensors: {Names(expected.Keys)})");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            ArrayPool<T>.Shared.Return(values);
        }
        foreach (string name in expected.Keys)
            if (!seen.Contains(name))
                throw SafeTensors.Invalid(source, name.StartsWith(OptimizerPrefix, StringComparison.Ordinal) && header.Metadata.GetValueOrDefault(ContentsKey) != "checkpoint"
                    ? $"{model.ModelName}'s optimizer state '{name}' is missing: the file holds weights only (Save), and resuming needs a checkpoint (SaveCheckpoint)"
                    : $"{model.ModelName} needs tensor '{name}', which the file does not have");

        model.Gate.EnterWrite();
        try
        {
            foreach (KeyValuePair<Memory<T>, T[]> copy in scratch)
                copy.Value.CopyTo(copy.Key.Span);
            if (checkpoint)
                model.Position = position;
        }
        finally
        {
            model.Gate.ExitWrite();
        }
    }

    /// <summary>One tensor as the file holds it: name, file shape, and where its elements live in the model.</summary>
    private readonly record struct Planned<T>(string Name, long[] FileShape, ParameterInfo Info, Memory<T> Buffer, bool IsCounter)
    {
        /// <summary>The buffer index (from the tensor's offset) of the file's element <paramref name="fileIndex"/>.</summary>
        public int StoredIndex(int fileIndex)
        {
            if (!Info.IsStoredTransposed)
                return fileIndex;
            // File [units × inputs] row-major; stored [inputs × units].
            int units = Info.Shape[1], inputs = Info.Shape[0];
            return fileIndex % inputs * units + fileIndex / inputs;
        }
    }

    private static List<Planned<T>> Plan<T>(ICheckpointable<T> model, bool checkpoint) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var plan = new List<Planned<T>>();
        foreach (ParameterInfo info in model.Manifest)
        {
            plan.Add(new Planned<T>(info.Name, FileShape(info), info, info.IsTrainable ? model.Parameters : model.State, IsCounter: false));
            if (Counter(info) is { } counter)
                plan.Add(new Planned<T>(counter, [], info, Memory<T>.Empty, IsCounter: true));
        }
        if (checkpoint)
            foreach (OptimizerSlot<T> slot in model.OptimizerState)
                foreach (ParameterInfo info in model.Manifest)
                    if (info.IsTrainable)
                        plan.Add(new Planned<T>($"{OptimizerPrefix}{info.Name}.{slot.Name}", FileShape(info), info, slot.Buffer, IsCounter: false));
        return plan;
    }

    /// <summary>A batch norm's <c>num_batches_tracked</c>, after its running variance as in PyTorch's state_dict; null for other tensors.</summary>
    private static string? Counter(ParameterInfo info)
        => info.Role == ParameterRole.RunningVariance && info.Name.EndsWith(RunningVariance, StringComparison.Ordinal)
            ? info.Name[..^RunningVariance.Length] + BatchesTracked
            : null;

    private static long[] FileShape(ParameterInfo info)
    {
        var shape = new long[info.Shape.Length];
        for (int i = 0; i < shape.Length; i++)
            shape[i] = info.Shape[i];
        if (info.IsStoredTransposed)
            (shape[0], shape[1]) = (shape[1], shape[0]);
        return shape;
    }

    private static Dictionary<string, string> Metadata<T>(ICheckpointable<T> model, TrainingPosition position, bool checkpoint) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [FormatKey] = FormatValue,
            [ContentsKey] = checkpoint ? "checkpoint" : "weights",
            [ModelKey] = model.ModelName,
        };
        if (checkpoint)
        {
            metadata[StepKey] = position.Step.ToString(CultureInfo.InvariantCulture);
            metadata[OptimizerKey] = model.Optimizer;
            if (position.DropoutSeed is int seed)
                metadata[SeedKey] = seed.ToString(CultureInfo.InvariantCulture);
        }
        return metadata;
    }

    private static TrainingPosition ReadPosition<T>(ICheckpointable<T> model, SafeTensors.Header header, string source) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        IReadOnlyDictionary<string, string> metadata = header.Metadata;
        if (metadata.GetValueOrDefault(ContentsKey) != "checkpoint")
            throw SafeTensors.Invalid(source, $"not a checkpoint (its metadata says contents = {metadata.GetValueOrDefault(ContentsKey) ?? "nothing"}); resuming {model.ModelName} needs a file written by SaveCheckpoint");
        if (metadata.GetValueOrDefault(OptimizerKey) is not { } optimizer || optimizer != model.Optimizer)
            throw SafeTensors.Invalid(source, $"the checkpoint's optimizer is {metadata.GetValueOrDefault(OptimizerKey) ?? "not recorded"}; {model.ModelName} trains with {model.Optimizer}");
        if (!long.TryParse(metadata.GetValueOrDefault(StepKey), NumberStyles.None, CultureInfo.InvariantCulture, out long step))
            throw SafeTensors.Invalid(source, $"the checkpoint's step '{metadata.GetValueOrDefault(StepKey)}' is not a non-negative integer");
        int? seed = null;
        if (model.Position.DropoutSeed is not null)
        {
            if (!int.TryParse(metadata.GetValueOrDefault(SeedKey), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int parsed))
                throw SafeTensors.Invalid(source, $"the checkpoint has no dropout seed; {model.ModelName}'s dropout masks depend on one");
            seed = parsed;
        }
        return new TrainingPosition(step, seed);
    }

    private static void Check<T>(SafeTensorEntry entry, Planned<T> tensor, string model, string source)
    {
        if (entry.DType is not (TensorDType.F32 or TensorDType.F64 or TensorDType.F16 or TensorDType.BF16))
            throw SafeTensors.Invalid(source, $"tensor '{entry.Name}' has dtype {entry.DType}; {model} reads F32, F64, F16 or BF16 weights");
        if (!entry.Shape.SequenceEqual(tensor.FileShape))
            throw SafeTensors.Invalid(source, $"tensor '{entry.Name}' is {entry.ShapeText}; {model} expects [{string.Join(", ", tensor.FileShape)}]"
                + (tensor.Info.IsStoredTransposed ? " (a Dense weight, [units × inputs] as in torch.nn.Linear)" : ""));
    }

    /// <summary>Reads one tensor's data (its size already checked against the model) into the scratch copy.</summary>
    private static void Read<T>(Stream stream, SafeTensorEntry entry, Planned<T> tensor, T[] destination, byte[] buffer, T[] values, string source)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int size = SafeTensors.ElementSize(entry.DType), length = tensor.Info.Length, offset = tensor.Info.Offset;
        for (int start = 0; start < length; start += ChunkElements)
        {
            int count = Math.Min(ChunkElements, length - start);
            SafeTensors.ReadExactly(stream, buffer.AsSpan(0, count * size), source, $"tensor '{entry.Name}'");
            SafeTensors.Decode(buffer.AsSpan(0, count * size), entry.DType, values.AsSpan(0, count));
            for (int i = 0; i < count; i++)
                destination[offset + tensor.StoredIndex(start + i)] = values[i];
        }
    }

    private static void Skip(Stream stream, SafeTensorEntry entry, byte[] buffer, string source)
    {
        long remaining = entry.End - entry.Begin;
        if (stream.CanSeek)
        {
            stream.Seek(remaining, SeekOrigin.Current);
            return;
        }
        while (remaining > 0)
        {
            int count = (int)Math.Min(buffer.Length, remaining);
            SafeTensors.ReadExactly(stream, buffer.AsSpan(0, count), source, $"tensor '{entry.Name}'");
            remaining -= count;
        }
    }

    private static string Names(IEnumerable<string> names)
    {
        var list = names.Take(12).ToList();
        return string.Join(", ", list) + (names.Count() > list.Count ? ", …" : "");
    }
}
