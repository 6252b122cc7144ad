using System.Linq;
using ModelGen.Generators.Helpers;

namespace ModelGen.Generators.Graph
{
    /// <summary>
    /// The shape of one sample of a tensor: <c>[784]</c>, <c>[1, 28, 28]</c>, or a sequence of <see cref="Steps"/> such
    /// per-step shapes. The batch dimension is symbolic and not stored: a buffer is <c>[batch × Size]</c> row-major, and a
    /// sequence's is time-major <c>[steps × batch × Size]</c> (row t·batch + n), its row count known only at run time.
    /// </summary>
    internal sealed record TensorShape(EquatableArray<int> Dimensions, int Steps = 0)
    {
        public static TensorShape Vector(int width) => new TensorShape(new[] { width }.ToEquatableArray());

        public static TensorShape Matrix(int rows, int columns) => new TensorShape(new[] { rows, columns }.ToEquatableArray());

        /// <summary><paramref name="steps"/> steps of <paramref name="width"/> features each.</summary>
        public static TensorShape Sequence(int steps, int width) => new TensorShape(new[] { width }.ToEquatableArray(), steps);

        /// <summary>Rank of one step (of the whole sample when not a sequence).</summary>
        public int Rank => Dimensions.Count;

        public bool IsSequence => Steps > 0;

        /// <summary>Elements per row: per sample, or per step of a sample for a sequence.</summary>
        public long Size => Dimensions.Aggregate(1L, (product, dimension) => product * dimension);

        public override string ToString() => "[" + (IsSequence ? Steps + " steps × " : "") + string.Join(" × ", Dimensions) + "]";
    }
}
