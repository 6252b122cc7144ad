using System.Linq;
using ModelGen.Generators.Helpers;
using ModelGen.Generators.Shapes;

namespace ModelGen.Generators.Graph
{
    /// <summary>
    /// Folds an embedding into the recurrent layers that read it, before differentiation (the fold changes what backward
    /// computes). A recurrent layer's input projection x·W_ihᵀ depends only on the token at each position, so when every
    /// consumer of an embedding is a recurrent layer, the embedding writes the rows of the batch's distinct tokens and each
    /// layer projects those once; backward sums each token's gate gradients first, so dW_ih and the embedding's gradient
    /// are products over the distinct tokens as well (runtime: src/ModelGen/Ops/DistinctTokens.cs). An embedding that
    /// anything else reads (dropout, a dense layer, a loss) stays a lookup per position.
    /// </summary>
    internal static class TokenProjectionFolder
    {
        public static CheckedModel Fold(CheckedModel model)
        {
            OpNode[] nodes = model.Nodes.ToArray();
            bool folded = false;
            foreach (OpNode embedding in model.Nodes.Where(n => n.Kind == OpKind.Embedding))
            {
                OpNode[] consumers = model.Nodes.Where(n => n.Inputs.Contains(embedding.Id)).ToArray();
                if (consumers.Length == 0 || consumers.Any(c => c.Kind != OpKind.Recurrent) || model.Heads.Any(h => h.Node == embedding.Id))
                    continue;
                nodes[embedding.Id] = embedding with { Attributes = ((EmbeddingAttributes)embedding.Attributes) with { Distinct = true } };
                foreach (OpNode consumer in consumers)
                    nodes[consumer.Id] = consumer with { Attributes = ((RecurrentAttributes)consumer.Attributes) with { DistinctTokenInput = true } };
                folded = true;
            }
            return folded ? model with { Nodes = nodes.ToEquatableArray() } : model;
        }
    }
}
