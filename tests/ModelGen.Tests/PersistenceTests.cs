using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using ModelGen.Persistence;

namespace ModelGen.Tests;

/// <summary>
/// Everything a checkpoint must carry to resume exactly: Adam's moments, batch-norm running statistics, dropout masks
/// (seed and step), a decaying learning rate (the step), decoupled weight decay and clipping.
/// </summary>
[Model(InputSize = 6, Seed = 43, InputDropout = 0.1f)]
[SoftmaxCrossEntropy]
[Adam(LearningRate = 1e-2f), WeightDecay(1e-3f, Decoupled = true), LinearDecay(200), ClipGlobalNorm(1f)]
public partial class ResumableNet
{
    [Dense(16, UseBias = false)] public partial Dense Hidden { get; }
    [BatchNorm(Activation.ReLU, Dropout = 0.2f)] public partial BatchNorm HiddenNorm { get; }
    [Dense(4)] public partial Dense Logits { get; }
}

/// <summary>Save/Load (safetensors, PyTorch's names and layouts), checkpoints, atomic writes and untrusted files.</summary>
public class PersistenceTests
{
    private const int Batch = 16;

    private static (float[] Inputs, int[] Labels) TrainingBatch(int index)
    {
        var random = new Random(1000 + index);
        var inputs = new float[Batch * 6];
        var labels = new int[Batch];
        for (int i = 0; i < inputs.Length; i++)
            inputs[i] = (float)(random.NextDouble() * 2 - 1);
        for (int n = 0; n < Batch; n++)
            labels[n] = (inputs[n * 6] > 0 ? 1 : 0) + (inputs[n * 6 + 1] > 0 ? 2 : 0);
        return (inputs, labels);
    }

    private static float[] Train(ResumableNet model, int from, int to)
    {
        var losses = new List<float>();
        for (int step = from; step < to; step++)
        {
            (float[] inputs, int[] labels) = TrainingBatch(step);
            losses.Add(model.TrainStep(inputs, labels));
        }
        return losses.ToArray();
    }

    private static byte[] Bytes(ReadOnlySpan<float> values) => MemoryMarshal.AsBytes(values).ToArray();

    private static string TemporaryFile() => Path.Combine(Path.GetTempPath(), $"modelgen-{Guid.NewGuid():N}.safetensors");

    [Fact]
    public void WeightsRoundTripThroughAFileAndPredictTheSame()
    {
        var trained = new ResumableNet();
        Train(trained, 0, 20);
        string path = TemporaryFile();
        try
        {
            trained.Save(path);
            var loaded = new ResumableNet(seed: 99);
            Assert.NotEqual(Bytes(trained.Parameters), Bytes(loaded.Parameters));
            loaded.Load(path);
            Assert.Equal(Bytes(trained.Parameters), Bytes(loaded.Parameters));
            Assert.Equal(Bytes(trained.State), Bytes(loaded.State));
            (float[] inputs, _) = TrainingBatch(500);
            float[] expected = new float[Batch * 4], actual = new float[Batch * 4];
            trained.Predict(inputs, expected);
            loaded.Predict(inputs, actual);
            Assert.Equal(expected, actual);
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.*.tmp"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The file is PyTorch's state_dict: torch.nn.Linear's [out × in] weights, BatchNorm1d's five tensors.</summary>
    [Fact]
    public void FilesHoldPyTorchNamesAndLayouts()
    {
        var model = new ResumableNet();
        Train(model, 0, 3);
        var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        SafeTensors.Header header = SafeTensors.ReadHeader(stream, "weights");
        Assert.Equal("weights", header.Metadata["contents"]);
        Assert.Equal(
            ["Hidden.weight", "HiddenNorm.weight", "HiddenNorm.bias", "HiddenNorm.running_mean", "HiddenNorm.running_var", "HiddenNorm.num_batches_tracked", "Logits.weight", "Logits.bias"],
            header.Tensors.Select(t => t.Name));
        byte[] data = stream.ToArray()[(int)stream.Position..];
        SafeTensorEntry hidden = header.Tensors[0];
        Assert.Equal([16L, 6L], hidden.Shape.ToArray());
        Assert.Equal(TensorDType.F32, hidden.DType);
        Span<float> weights = model.Parameter("Hidden.weight"); // [6 inputs × 16 units]
        for (int unit = 0; unit < 16; unit++)
            for (int input = 0; input < 6; input++)
                Assert.Equal(weights[input * 16 + unit], BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan((int)hidden.Begin + 4 * (unit * 6 + input))));
        SafeTensorEntry counter = header.Tensors.Single(t => t.Name == "HiddenNorm.num_batches_tracked");
        Assert.Equal(TensorDType.I64, counter.DType);
        Assert.Equal(0, counter.Shape.Length);
        Assert.Equal(3L, BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan((int)counter.Begin)));
        Assert.Equal([4L, 16L], header.Tensors.Single(t => t.Name == "Logits.weight").Shape.ToArray());
    }

    /// <summary>100 steps straight through, or 50, a checkpoint, a new instance (another seed) and 50 more: bit-identical.</summary>
    [Fact]
    public void ACheckpointResumesTrainingBitForBit()
    {
        var straight = new ResumableNet();
        float[] straightLosses = Train(straight, 0, 100);

        var first = new ResumableNet();
        Train(first, 0, 50);
        string path = TemporaryFile();
        try
        {
            first.SaveCheckpoint(path);
            var resumed = new ResumableNet(seed: 7);
            resumed.LoadCheckpoint(path);
            Assert.Equal(50, resumed.Step);
            float[] resumedLosses = Train(resumed, 50, 100);
            Assert.Equal(straightLosses[50..], resumedLosses);
            Assert.Equal(Bytes(straight.Parameters), Bytes(resumed.Parameters));
            Assert.Equal(Bytes(straight.State), Bytes(resumed.State));
            Assert.Equal(100, resumed.Step);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A model without dropout (no seed to restore) and SGD's momentum buffer, through a stream that cannot seek.</summary>
    [Fact]
    public void NesterovMomentumResumesThroughAForwardOnlyStream()
    {
        float[] inputs = Enumerable.Range(0, 8 * 3).Select(i => MathF.Sin(i)).ToArray();
        float[] targets = Enumerable.Range(0, 8 * 2).Select(i => MathF.Cos(i)).ToArray();
        var straight = new Regressor();
        for (int step = 0; step < 30; step++)
            straight.TrainStep(inputs, targets);

        var first = new Regressor();
        for (int step = 0; step < 12; step++)
            first.TrainStep(inputs, targets);
        var checkpoint = new MemoryStream();
        first.SaveCheckpoint(checkpoint);
        var resumed = new Regressor(seed: 2);
        resumed.LoadCheckpoint(new ForwardOnlyStream(checkpoint.ToArray()));
        for (int step = 12; step < 30; step++)
            resumed.TrainStep(inputs, targets);
        Assert.Equal(Bytes(straight.Parameters), Bytes(resumed.Parameters));
    }

    /// <summary>Optimizer state is only meaningful to the optimizer that wrote it.</summary>
    [Fact]
    public void ACheckpointOfAnotherOptimizerIsRefused()
    {
        (JsonObject header, byte[] data) = Parse(Checkpoint(new ResumableNet()));
        header["__metadata__"]!["optimizer"] = "Sgd";
        var model = new ResumableNet();
        byte[] parameters = Bytes(model.Parameters);
        var exception = Assert.Throws<InvalidDataException>(() => model.LoadCheckpoint(new MemoryStream(Assemble(header.ToJsonString(), data))));
        Assert.Contains("optimizer is Sgd; ResumableNet trains with Adam", exception.Message);
        Assert.Equal(parameters, Bytes(model.Parameters));
    }

    /// <summary>Weights alone (no optimizer state) would resume Adam from zero moments: LoadCheckpoint refuses them.</summary>
    [Fact]
    public void AWeightsFileIsNotACheckpoint()
    {
        var model = new ResumableNet();
        var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        var exception = Assert.Throws<InvalidDataException>(() => new ResumableNet().LoadCheckpoint(stream));
        Assert.Contains("not a checkpoint", exception.Message);

        var checkpoint = new MemoryStream();
        model.SaveCheckpoint(checkpoint);
        checkpoint.Position = 0;
        var weightsOnly = new ResumableNet(seed: 3);
        weightsOnly.Load(checkpoint); // a checkpoint's weights load; its optimizer state is skipped
        Assert.Equal(Bytes(model.Parameters), Bytes(weightsOnly.Parameters));
        Assert.Equal(0, weightsOnly.Step);
    }

    /// <summary>PyTorch state dicts are often F64, F16 or BF16: each converts on the way in.</summary>
    [Theory]
    [InlineData("F64")]
    [InlineData("F16")]
    [InlineData("BF16")]
    public void OtherFloatingPointTypesConvert(string type)
    {
        var model = new ResumableNet();
        // Values every type holds exactly: multiples of 1/8 in [-4, 4].
        for (int i = 0; i < model.Parameters.Length; i++)
            model.Parameters[i] = (i % 65 - 32) / 8f;
        (JsonObject header, byte[] data) = Parse(Weights(model));
        byte[] rewritten = Rewrite(header, data, (tensor, bytes) =>
        {
            if (tensor["dtype"]!.GetValue<string>() != "F32")
                return bytes;
            tensor["dtype"] = type;
            return Convert(bytes, type);
        });
        var loaded = new ResumableNet(seed: 5);
        loaded.Load(new MemoryStream(rewritten));
        Assert.Equal(Bytes(model.Parameters), Bytes(loaded.Parameters));
    }

    public static TheoryData<string, string> CorruptFiles() => new()
    {
        { "empty", "ends inside the header length" },
        { "header length beyond the limit", "more than the 100000000" },
        { "header length beyond the file", "follow the length prefix" },
        { "malformed JSON", "not valid JSON" },
        { "header not an object", "not a JSON object" },
        { "offsets beyond the data", "but the file holds only" },
        { "offsets that disagree with the shape", "but its data_offsets span" },
        { "overlapping tensors", "overlaps" },
        { "a hole between tensors", "belong to no tensor" },
        { "unknown dtype", "has dtype I32" },
        { "integer weights", "reads F32, F64, F16 or BF16 weights" },
        { "untransposed Dense weight", "expects [16, 6] (a Dense weight" },
        { "wrong shape", "expects [4]" },
        { "a missing tensor", "needs tensor 'Logits.bias'" },
        { "a duplicate tensor", "appears twice" },
        { "an unexpected tensor", "'Extra.weight' is not part of ResumableNet" },
        { "a truncated file", "the file holds only" },
        { "a negative dimension", "not a non-negative integer" },
        { "a batch counter that is not a scalar", "a batch counter is an I64 scalar" },
    };

    /// <summary>Each malformed or mismatched file gets a clear exception naming the tensor; the model is left as it was.</summary>
    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public void CorruptFilesAreRejectedAndLeaveTheModelUnchanged(string corruption, string message)
    {
        byte[] file = Corrupt(Weights(new ResumableNet(seed: 1)), corruption);
        var model = new ResumableNet();
        Train(model, 0, 2);
        byte[] parameters = Bytes(model.Parameters), state = Bytes(model.State);
        long step = model.Step;

        string path = TemporaryFile();
        try
        {
            File.WriteAllBytes(path, file);
            var exception = Assert.Throws<InvalidDataException>(() => model.Load(path));
            Assert.Contains(message, exception.Message);
            Assert.StartsWith(path, exception.Message);
            // The same through a stream that cannot seek (its length unknown until the end).
            var streamed = Assert.Throws<InvalidDataException>(() => model.Load(new ForwardOnlyStream(file)));
            Assert.StartsWith("the stream", streamed.Message);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Equal(parameters, Bytes(model.Parameters));
        Assert.Equal(state, Bytes(model.State));
        Assert.Equal(step, model.Step);
    }

    /// <summary>A header length that lies is never allocated: a stream of unknown length is read in chunks.</summary>
    [Fact]
    public void ALyingHeaderLengthIsNotAllocated()
    {
        var file = new byte[200];
        BinaryPrimitives.WriteUInt64LittleEndian(file, 90_000_000);
        "{\"a\":"u8.CopyTo(file.AsSpan(8));
        var model = new ResumableNet();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var exception = Assert.Throws<InvalidDataException>(() => model.Load(new ForwardOnlyStream(file)));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("truncated", exception.Message);
        Assert.True(allocated < 1_000_000, $"{allocated} bytes allocated for a 200-byte file");
    }

    /// <summary>
    /// A process saving checkpoints in a loop is killed at several moments; whatever moment it dies, the file holds one
    /// whole checkpoint (every parameter equal to the save's number) and loads.
    /// </summary>
    [Fact]
    public void AProcessKilledWhileSavingLeavesTheLastWholeCheckpoint()
    {
        string writer = Path.Combine(PackageConsumerTests.RepositoryRoot(), "artifacts", "bin", "ModelGen.CheckpointWriter", "release", "ModelGen.CheckpointWriter.dll");
        Assert.True(File.Exists(writer), $"build the solution in Release first ({writer} is missing)");
        string folder = Path.Combine(Path.GetTempPath(), $"modelgen-crash-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "large.safetensors");
        try
        {
            foreach (int extraMilliseconds in new[] { 0, 7, 23, 61 })
            {
                using var process = Process.Start(new ProcessStartInfo("dotnet", $"\"{writer}\" \"{path}\"") { RedirectStandardOutput = true, UseShellExecute = false })!;
                string? line = process.StandardOutput.ReadLine(); // the first save is whole: from now on the file must stay whole
                Assert.StartsWith("saved", line);
                Thread.Sleep(extraMilliseconds);
                process.Kill(entireProcessTree: true);
                process.WaitForExit();

                var model = new LargeNet();
                model.LoadCheckpoint(path);
                float value = model.Parameters[0];
                Assert.True(value >= 1 && value == MathF.Round(value), $"parameter 0 is {value}");
                Assert.True(model.Parameters.IndexOfAnyExcept(value) < 0, "the checkpoint mixes two saves");
            }
            // Proof that the kills landed mid-save: a save's temporary file was left behind (never renamed).
            Assert.NotEmpty(Directory.GetFiles(folder, ".large.safetensors.*.tmp"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static byte[] Weights(ResumableNet model)
    {
        var stream = new MemoryStream();
        model.Save(stream);
        return stream.ToArray();
    }

    private static byte[] Checkpoint(ResumableNet model)
    {
        var stream = new MemoryStream();
        model.SaveCheckpoint(stream);
        return stream.ToArray();
    }

    private static (JsonObject Header, byte[] Data) Parse(byte[] file)
    {
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        var header = (JsonObject)JsonNode.Parse(file.AsSpan(8, length))!;
        return (header, file[(8 + length)..]);
    }

    private static byte[] Assemble(string json, byte[] data)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    /// <summary>Re-lays the data of every tensor through <paramref name="convert"/> (its header entry, which it may change, and its bytes).</summary>
    private static byte[] Rewrite(JsonObject header, byte[] data, Func<JsonNode, byte[], byte[]> convert)
    {
        var output = new MemoryStream();
        foreach ((string name, JsonNode? node) in header.OrderBy(p => p.Key == "__metadata__" ? -1 : p.Value!["data_offsets"]![0]!.GetValue<long>()).ToList())
        {
            if (name == "__metadata__")
                continue;
            long begin = node!["data_offsets"]![0]!.GetValue<long>(), end = node["data_offsets"]![1]!.GetValue<long>();
            byte[] bytes = convert(node, data[(int)begin..(int)end]);
            node["data_offsets"] = new JsonArray(output.Length, output.Length + bytes.Length);
            output.Write(bytes);
        }
        return Assemble(header.ToJsonString(), output.ToArray());
    }

    private static byte[] Convert(byte[] f32, string type)
    {
        int count = f32.Length / 4;
        var output = new byte[count * (type == "F64" ? 8 : 2)];
        for (int i = 0; i < count; i++)
        {
            float value = BinaryPrimitives.ReadSingleLittleEndian(f32.AsSpan(4 * i));
            switch (type)
            {
                case "F64": BinaryPrimitives.WriteDoubleLittleEndian(output.AsSpan(8 * i), value); break;
                case "F16": BinaryPrimitives.WriteHalfLittleEndian(output.AsSpan(2 * i), (Half)value); break;
                default: BinaryPrimitives.WriteUInt16LittleEndian(output.AsSpan(2 * i), (ushort)(BitConverter.SingleToInt32Bits(value) >> 16)); break;
            }
        }
        return output;
    }

    private static byte[] Corrupt(byte[] file, string corruption)
    {
        (JsonObject header, byte[] data) = Parse(file);
        JsonNode Tensor(string name) => header[name]!;
        switch (corruption)
        {
            case "empty":
                return [];
            case "header length beyond the limit":
                BinaryPrimitives.WriteUInt64LittleEndian(file, 1UL << 40);
                return file;
            case "header length beyond the file":
                BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)file.Length);
                return file;
            case "malformed JSON":
                return Assemble(header.ToJsonString()[..^3], data);
            case "header not an object":
                return Assemble("[1, 2, 3]", data);
            case "offsets beyond the data":
                Tensor("Logits.bias")["data_offsets"] = new JsonArray(data.Length - 16, data.Length + 1000);
                Tensor("Logits.bias")["shape"] = new JsonArray(254);
                return Assemble(header.ToJsonString(), data);
            case "offsets that disagree with the shape":
                Tensor("Logits.bias")["shape"] = new JsonArray(5);
                return Assemble(header.ToJsonString(), data);
            case "overlapping tensors":
            {
                JsonNode bias = Tensor("Logits.bias");
                long begin = bias["data_offsets"]![0]!.GetValue<long>();
                bias["data_offsets"] = new JsonArray(begin - 4, begin + 12);
                return Assemble(header.ToJsonString(), data);
            }
            case "a hole between tensors":
                header.Remove("Logits.weight");
                return Assemble(header.ToJsonString(), data);
            case "unknown dtype":
                Tensor("Logits.bias")["dtype"] = "I32";
                return Assemble(header.ToJsonString(), data);
            case "integer weights":
                Tensor("Logits.bias")["dtype"] = "I64";
                Tensor("Logits.bias")["shape"] = new JsonArray(2);
                return Assemble(header.ToJsonString(), data);
            case "untransposed Dense weight":
                Tensor("Hidden.weight")["shape"] = new JsonArray(6, 16);
                return Assemble(header.ToJsonString(), data);
            case "wrong shape":
                Tensor("Logits.bias")["shape"] = new JsonArray(2, 2);
                return Assemble(header.ToJsonString(), data);
            case "a missing tensor":
            {
                long begin = Tensor("Logits.bias")["data_offsets"]![0]!.GetValue<long>();
                header.Remove("Logits.bias");
                return Assemble(header.ToJsonString(), data[..(int)begin]);
            }
            case "a duplicate tensor":
            {
                string json = header.ToJsonString();
                string bias = "\"Logits.bias\":" + Tensor("Logits.bias").ToJsonString();
                return Assemble(json[..^1] + "," + bias + "}", data);
            }
            case "an unexpected tensor":
                header["Extra.weight"] = new JsonObject { ["dtype"] = "F32", ["shape"] = new JsonArray(1), ["data_offsets"] = new JsonArray(data.Length, data.Length + 4) };
                return Assemble(header.ToJsonString(), [.. data, 0, 0, 0, 0]);
            case "a truncated file":
                return file[..^10];
            case "a negative dimension":
                Tensor("Logits.bias")["shape"] = new JsonArray(-4);
                return Assemble(header.ToJsonString(), data);
            case "a batch counter that is not a scalar":
                Tensor("HiddenNorm.num_batches_tracked")["shape"] = new JsonArray(1, 1);
                return Assemble(header.ToJsonString(), data);
            default:
                throw new ArgumentException(corruption);
        }
    }

    /// <summary>A stream that only reads forward and does not know its length (a network or pipe).</summary>
    private sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private int _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(buffer.Length, data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
