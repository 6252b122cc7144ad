using System.Buffers.Binary;
using System.IO.Compression;

namespace ModelGen.Data;

/// <summary>
/// The IDX format of the classic MNIST files (train-images-idx3-ubyte and friends): a big-endian magic number — two zero
/// bytes, the element type, the number of dimensions — the dimensions as big-endian int32, then the elements. Reads
/// plain or gzip-compressed files (the distributed .gz), and says what is wrong with a malformed one.
/// </summary>
public static class IdxFile
{
    /// <summary>Images as floats scaled to [0, 1] (unsigned-byte pixels ÷ 255), [count × rows × columns], and the dimensions.</summary>
    public static (float[] Pixels, int Count, int Rows, int Columns) ReadImages(string path)
    {
        (int[] dimensions, byte[] bytes) = ReadUnsignedBytes(path);
        if (dimensions.Length != 3)
            throw new InvalidDataException($"{path}: an image file has 3 dimensions (count, rows, columns); this one has {dimensions.Length}.");
        var pixels = new float[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
            pixels[i] = bytes[i] / 255f;
        return (pixels, dimensions[0], dimensions[1], dimensions[2]);
    }

    /// <summary>Labels, one unsigned byte each.</summary>
    public static int[] ReadLabels(string path)
    {
        (int[] dimensions, byte[] bytes) = ReadUnsignedBytes(path);
        if (dimensions.Length != 1)
            throw new InvalidDataException($"{path}: a label file has 1 dimension; this one has {dimensions.Length}.");
        return bytes.Select(b => (int)b).ToArray();
    }

    /// <summary>Any unsigned-byte IDX file: its dimensions and its elements.</summary>
    public static (int[] Dimensions, byte[] Elements) ReadUnsignedBytes(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        if (file.Length >= 2 && file[0] == 0x1F && file[1] == 0x8B)
        {
            using var gzip = new GZipStream(new MemoryStream(file), CompressionMode.Decompress);
            using var plain = new MemoryStream();
            try
            {
                gzip.CopyTo(plain);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{path}: a gzip file that does not decompress ({e.Message}).", e);
            }
            file = plain.ToArray();
        }
        if (file.Length < 4 || file[0] != 0 || file[1] != 0)
            throw new InvalidDataException($"{path}: not an IDX file (it must start with two zero bytes, the element type and the number of dimensions).");
        if (file[2] != 0x08)
            throw new InvalidDataException($"{path}: elements of type 0x{file[2]:X2}; only unsigned bytes (0x08) are read.");
        int rank = file[3];
        if (rank == 0 || file.Length < 4 + 4 * rank)
            throw new InvalidDataException($"{path}: {rank} dimensions declared, and the file ends before they do.");
        var dimensions = new int[rank];
        long expected = 1;
        for (int i = 0; i < rank; i++)
        {
            dimensions[i] = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(4 + 4 * i));
            if (dimensions[i] < 0)
                throw new InvalidDataException($"{path}: dimension {i} is negative ({dimensions[i]}).");
            expected *= dimensions[i];
        }
        long actual = file.Length - 4 - 4 * rank;
        if (actual != expected)
            throw new InvalidDataException($"{path}: dimensions [{string.Join(" × ", dimensions)}] need {expected} elements; the file holds {actual}.");
        return (dimensions, file.AsSpan(4 + 4 * rank).ToArray());
    }
}
