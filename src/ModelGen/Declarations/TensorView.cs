using System.Diagnostics;

namespace ModelGen;

/// <summary>A manifest tensor as the debugger shows it: its name, shape and a copy of its values.</summary>
[DebuggerDisplay("{Name,nq} {ShapeText,nq}")]
public sealed class TensorView
{
    /// <summary>Created by generated debugger views only.</summary>
    public TensorView(ParameterInfo tensor, ReadOnlySpan<float> values)
    {
        Name = tensor.Name;
        Shape = tensor.Shape.ToArray();
        Values = values.ToArray();
    }

    /// <summary>The manifest name, e.g. <c>Hidden1.weight</c>.</summary>
    public string Name { get; }
    /// <summary>Dimensions, row-major.</summary>
    public int[] Shape { get; }
    /// <summary>The values when the debugger asked.</summary>
    public float[] Values { get; }

    private string ShapeText => "[" + string.Join(" × ", Shape) + "]";
}
