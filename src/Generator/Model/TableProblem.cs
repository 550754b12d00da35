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

    /// <summary>
    /// An attribute of the schema (<c>[Index]</c>, <c>[Unique]</c>, <c>[Check]</c>, <c>[ForeignKey]</c> on the type,
    /// <c>[Default]</c>, <c>[DefaultSql]</c> on the property <see cref="TableProblem.Member"/>), or one of its arguments:
    /// see <see cref="TableProblem.At"/>.
    /// </summary>
    SchemaAttribute,
}

/// <summary>
/// Where in an attribute a problem is, as plain data (the analyzers find the syntax from it): the
/// <paramref name="Ordinal"/>-th attribute of class <paramref name="Attribute"/> on the type (or on the property
/// <see cref="TableProblem.Member"/>), in the order <c>GetAttributes()</c> lists them.
/// </summary>
/// <param name="Attribute">The attribute's full metadata name, e.g. <c>ShardGen.IndexAttribute</c>.</param>
/// <param name="Ordinal">Which attribute of that class (0 for the first).</param>
/// <param name="Argument">
/// The argument to underline: a constructor parameter's name (<c>propertyNames</c>, <c>principal</c>, <c>value</c>) or a
/// named argument (<c>Include</c>, <c>Name</c>, <c>OnDelete</c>); null for the whole attribute.
/// </param>
/// <param name="Element">For an array argument (a <c>params</c> list, <c>Include</c>): which element; -1 for the whole argument.</param>
internal sealed record AttributeRef(string Attribute, int Ordinal, string? Argument = null, int Element = -1);

/// <summary>
/// Why a table type was skipped (or what is wrong with it even so): found by the parser and the schema
/// builder, reported by the analyzers. Never part of a cached generator model.
/// </summary>
/// <param name="FullTypeName">The type, <c>global::</c>-qualified.</param>
/// <param name="Rule">The diagnostic ID (<see cref="RuleIds"/>).</param>
/// <param name="Message">What is wrong and what to do.</param>
/// <param name="Target">What to underline.</param>
/// <param name="Member">The property, for <see cref="ProblemTarget.Property"/>.</param>
/// <param name="Skipped">Whether the type gets no code because of it (a bad index, constraint or default is left out; the type keeps its code).</param>
/// <param name="At">For <see cref="ProblemTarget.SchemaAttribute"/>: the attribute and argument.</param>
internal sealed record TableProblem(string FullTypeName, string Rule, string Message, ProblemTarget Target, string? Member = null, bool Skipped = true, AttributeRef? At = null);
