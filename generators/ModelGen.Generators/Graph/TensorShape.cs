using System.Linq;
using ModelGen.Generators.Helpers;

namespace ModelGen.Generators.Graph
{
    /// <summary>
    /// The shape of one sample of a tensor: <c>[784]</c>, <c>[1, 28, 28]</c>. The batch dimension is symbolic and
    /// not stored: every buffer is <c>[batch × Size]</c>, row-major, and its row count is only known at run time.
    /// </summary>
    internal sealed record TensorShape(EquatableArray<int> Dimensions)
    {
        public static TensorShape Vector(int width) => new TensorShape(new[] { width }.ToEquatableArray());

        public static TensorShape Matrix(int rows, int columns) => new TensorShape(new[] { rows, columns }.ToEquatableArray());

        public int Rank => Dimensions.Count;

        /// <summary>Elements per sample: the product of the dimensions.</summary>
        public long Size => Dimensions.Aggregate(1L, (product, dimension) => product * dimension);

        public override string ToString() => "[" + string.Join(" × ", Dimensions) + "]";
    }
}
