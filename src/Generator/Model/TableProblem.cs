namespace ShardGen.Generator.Model;

/// <summary>What part of a table type a problem is about, so that the analyzers can underline it.</summary>
internal enum ProblemTarget
{
    /// <summary>The type as a whole: underlined on its table attribute.</summary>
    Type,

    /// <summary>The table attribute (<c>[Distributed(...)]</c>, <c>[Reference]</c>, <c>[Local]</c>).</summary>
    Attribute,

    /// <summary>The distribution key argument of <c>[Distributed]</c>.</summary>
    KeyArgument,

    /// <summary>The <c>ColocateWith</c> or <c>Colocation</c> argument of <c>[Distributed]</c>.</summary>
    ColocationArgument,

    /// <summary>A property, named by <see cref="TableProblem.Member"/>.</summary>
    Property,
}

/// <summary>
/// Why a table type was skipped (or what is wrong with it even so): found by the parser and the schema
/// builder, reported by the analyzers. Never part of a cached generator model.
/// </summary>
/// <param name="FullTypeName">The type, <c>global::</c>-qualified.</param>
/// <param name="Rule">The diagnostic ID (<see cref="RuleIds"/>).</param>
/// <param name="Message">What is wrong and what to do.</param>
/// <param name="Target">What to underline.</param>
/// <param name="Member">The property, for <see cref="ProblemTarget.Property"/>.</param>
/// <param name="Skipped">Whether the type gets no code because of it.</param>
internal sealed record TableProblem(string FullTypeName, string Rule, string Message, ProblemTarget Target, string? Member = null, bool Skipped = true);
