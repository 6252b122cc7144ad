using System.Runtime.CompilerServices;

namespace ModelGen.Tests;

public class AlignedBufferTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(4096)]
    [InlineData(100_003)] // large-object heap sizes too
    public unsafe void BuffersStartOnACacheLineAreZeroedAndKeepTheirBounds(int length)
    {
        for (int i = 0; i < 20; i++) // the GC's placement varies: every one of them must start on a line
        {
            var floats = AlignedBuffer<float>.Allocate(length);
            var doubles = AlignedBuffer<double>.Allocate(length);
            Assert.Equal(0u, (nuint)Unsafe.AsPointer(ref floats.Span[0]) % 64);
            Assert.Equal(0u, (nuint)Unsafe.AsPointer(ref doubles.Span[0]) % 64);
            Assert.Equal(length, floats.Span.Length);
            Assert.Equal(length, doubles.Length);
            Assert.True(floats.Span.IndexOfAnyExcept(0f) < 0);
            Assert.Equal(length - 1, floats.Slice(1, length - 1).Length);
            Assert.Throws<ArgumentOutOfRangeException>(() => floats.Slice(0, length + 1)); // not into the alignment slack
            Assert.Throws<ArgumentOutOfRangeException>(() => doubles.Slice(1, length));
        }
    }

    [Fact]
    public void AnUnallocatedBufferIsEmpty()
    {
        AlignedBuffer<float> empty = default;
        Assert.Equal(0, empty.Span.Length);
        Assert.Equal(0, empty.Slice(0, 0).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => empty.Slice(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => AlignedBuffer<float>.Allocate(-1));
    }
}
