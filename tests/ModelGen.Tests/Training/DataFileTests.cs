using System.Buffers.Binary;
using System.IO.Compression;
using ModelGen.Data;
using ModelGen.Training;

namespace ModelGen.Tests.Training;

/// <summary>The IDX and CSV readers on well-formed files (plain and gzip IDX) and on each way a file can be malformed.</summary>
public sealed class DataFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("modelgen-data-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Idx_images_and_labels_read_back_plain_and_gzipped()
    {
        byte[] pixels = Enumerable.Range(0, 2 * 3 * 4).Select(i => (byte)(i * 10)).ToArray();
        string images = Write("images.idx", Idx(0x08, [2, 3, 4], pixels));
        string labels = Write("labels.idx.gz", Gzip(Idx(0x08, [2], [7, 3])));
        var (read, count, rows, columns) = IdxFile.ReadImages(images);
        Assert.Equal((2, 3, 4), (count, rows, columns));
        Assert.Equal(pixels.Select(p => p / 255f).ToArray(), read);
        Assert.Equal([7, 3], IdxFile.ReadLabels(labels));
        // Images and labels make a dataset for the trainer: 12 features and one label per sample.
        var data = new Dataset<float, int>(read, IdxFile.ReadLabels(labels), rows * columns, 1);
        Assert.Equal(2, data.Count);
    }

    [Theory]
    [InlineData("not-idx", "not an IDX file")]
    [InlineData("int-elements", "elements of type 0x0C")]
    [InlineData("truncated", "need 24 elements; the file holds 23")]
    [InlineData("short-header", "the file ends before they do")]
    [InlineData("bad-gzip", "a gzip file that does not decompress")]
    [InlineData("labels-as-images", "an image file has 3 dimensions")]
    public void Malformed_idx_files_say_what_is_wrong(string kind, string expected)
    {
        byte[] good = Idx(0x08, [2, 3, 4], new byte[24]);
        byte[] bytes = kind switch
        {
            "not-idx" => [0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0],
            "int-elements" => Idx(0x0C, [2, 3, 4], new byte[96]),
            "truncated" => good[..^1],
            "short-header" => good[..9],
            "bad-gzip" => Corrupt(Gzip(good)),
            _ => Idx(0x08, [2], [1, 2]),
        };
        string path = Write(kind, bytes);
        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadImages(path));
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Csv_reads_features_with_a_label_column_or_target_columns()
    {
        string classes = Write("classes.csv", "a,label,b\n0.5,2,-1\n1e-3,0,4\n\n7,1,0.25\n");
        Dataset<float, int> classification = CsvFile.ReadClassification(classes, labelColumn: 1);
        Assert.Equal([0.5f, -1f, 1e-3f, 4f, 7f, 0.25f], classification.Inputs);
        Assert.Equal([2, 0, 1], classification.Targets);
        Assert.Equal(2, classification.InputsPerSample);

        string values = Write("values.csv", "1,2,3,4\n5,6,7,8\n");
        Dataset<float, float> regression = CsvFile.ReadRegression(values, targetColumns: 2, hasHeader: false);
        Assert.Equal([1f, 2f, 5f, 6f], regression.Inputs);
        Assert.Equal([3f, 4f, 7f, 8f], regression.Targets);
        Assert.Equal(2, regression.TargetsPerSample);
    }

    [Theory]
    [InlineData("x,y,label\n1,2,0\n1,zwei,1\n", "line 3, column 2: 'zwei' is not a number")]
    [InlineData("x,y,label\n1,2,0\n1,2\n", "line 3: 2 columns, where the first data line has 3")]
    [InlineData("x,y,label\n1,2,-1\n", "line 2, column 3: the label '-1' is not a class index")]
    [InlineData("x,y,label\n1,2,1.5\n", "line 2, column 3: the label '1.5' is not a class index")]
    [InlineData("x,y,label\n1,NaN,1\n", "line 2, column 2: 'NaN' is not finite")]
    [InlineData("x,y,label\n", "no data lines")]
    [InlineData("label\n1\n", "line 2: 1 columns, too few")]
    public void Malformed_csv_rows_name_the_file_line_and_column(string text, string expected)
    {
        string path = Write("bad.csv", text);
        int labelColumn = text.StartsWith("label", StringComparison.Ordinal) ? 0 : 2;
        var error = Assert.Throws<FormatException>(() => CsvFile.ReadClassification(path, labelColumn));
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static byte[] Idx(byte type, int[] dimensions, byte[] elements)
    {
        var bytes = new byte[4 + 4 * dimensions.Length + elements.Length];
        bytes[2] = type;
        bytes[3] = (byte)dimensions.Length;
        for (int i = 0; i < dimensions.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dimensions[i]);
        elements.CopyTo(bytes, 4 + 4 * dimensions.Length);
        return bytes;
    }

    /// <summary>A gzip file whose compressed blocks are garbled after the header.</summary>
    private static byte[] Corrupt(byte[] gzip)
    {
        for (int i = 10; i < gzip.Length - 8; i++)
            gzip[i] ^= 0xA5;
        return gzip;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
            gzip.Write(bytes);
        return output.ToArray();
    }
}
