using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ShardGen.Generator.Model;

namespace ShardGen.Generator;

public sealed partial class ShardGenGenerator
{
    /// <summary>
    /// Reads one attributed type into a <see cref="TableSpec"/>. All symbol work happens here; the
    /// result holds strings, enums and equatable arrays only.
    /// </summary>
    /// <remarks>
    /// A type that does not make a table (malformed attributes, unsupported property types, no key, ...)
    /// gives null: no output for it and no exception, because the generator must never fail the build
    /// over user input. The analyzers report why.
    /// </remarks>
    internal static partial class Parser
    {
        public const string DistributedAttribute = "ShardGen.DistributedAttribute";
        public const string ReferenceAttribute = "ShardGen.ReferenceAttribute";
        public const string LocalAttribute = "ShardGen.LocalAttribute";

        public const string ColumnAttribute = "ShardGen.ColumnAttribute";
        private const string PrimaryKeyAttribute = "ShardGen.PrimaryKeyAttribute";
        private const string NotMappedAttribute = "ShardGen.NotMappedAttribute";
        private const string SetsRequiredMembersAttribute = "System.Diagnostics.CodeAnalysis.SetsRequiredMembersAttribute";

        /// <summary>Table types are classes, records and structs; the attribute's usage admits nothing else.</summary>
        public static bool IsCandidate(SyntaxNode node) =>
            node is ClassDeclarationSyntax or RecordDeclarationSyntax or StructDeclarationSyntax;

        public static TableSpec? Parse(GeneratorAttributeSyntaxContext context, TableKind kind, CancellationToken cancellationToken) =>
            context.TargetSymbol is INamedTypeSymbol type && context.Attributes.Length > 0
                ? Parse(type, context.Attributes[0], kind, cancellationToken)
                : null;

        /// <summary>
        /// Reads a type from its symbol and its table attribute: the entry point the analyzers share with
        /// the pipeline, so both agree on what is a table.
        /// </summary>
        public static TableSpec? Parse(INamedTypeSymbol type, AttributeData attribute, TableKind kind, CancellationToken cancellationToken, List<TableProblem>? problems = null)
        {
            try
            {
                return ParseType(type, attribute, kind, cancellationToken, problems ?? new List<TableProblem>());
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception)
            {
                // Defensive: whatever half-written code the IDE hands us, the generator must not fail the build.
                return null;
            }
        }

        private static TableSpec? ParseType(INamedTypeSymbol type, AttributeData attribute, TableKind kind, CancellationToken cancellationToken, List<TableProblem> problems)
        {
            var fullName = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            TableSpec? Skip(string rule, string message, ProblemTarget target = ProblemTarget.Type, string? member = null)
            {
                problems.Add(new TableProblem(fullName, rule, message, target, member));
                return null;
            }

            // Supported: top-level, non-generic, constructible classes, records and structs that are
            // public or internal. Nested types are skipped: the entry point and the repositories live
            // at namespace level and could not always see them.
            if (type.ContainingType is not null
                || type.Arity != 0
                || type.IsAbstract
                || type.IsStatic
                || type.IsFileLocal
                || (type.TypeKind != TypeKind.Class && type.TypeKind != TypeKind.Struct)
                || (type.DeclaredAccessibility != Accessibility.Public && type.DeclaredAccessibility != Accessibility.Internal))
            {
                return Skip(RuleIds.TypeCannotBeTable, $"'{type.Name}' cannot be a table: a table type is a top-level, non-generic, non-abstract, non-static public or internal class, record or struct.");
            }

            // Exactly one of [Distributed], [Reference], [Local].
            var tableAttributes = type.GetAttributes().Count(a =>
                IsAttribute(a, DistributedAttribute) || IsAttribute(a, ReferenceAttribute) || IsAttribute(a, LocalAttribute));
            if (tableAttributes != 1)
            {
                return Skip(RuleIds.SeveralTableAttributes, $"'{type.Name}' carries more than one of [Distributed], [Reference] and [Local]: a table is one of the three.", ProblemTarget.Attribute);
            }

            if (attribute.AttributeConstructor is null)
            {
                return null;
            }

            // The table name: Table = "..." as given, else the snake_case plural of the type name (see Naming).
            var tableName = NamedString(attribute, "Table") ?? Naming.TableName(type.Name);
            if (tableName.Length == 0)
            {
                return Skip(RuleIds.TypeCannotBeTable, $"The table name of '{type.Name}' is empty.", ProblemTarget.Attribute);
            }

            var properties = MappedProperties(type);
            var columns = new List<ColumnSpec>(properties.Count);
            var oblivious = new List<bool>(properties.Count);
            var columnNames = new HashSet<string>(StringComparer.Ordinal);
            var unsupported = false;
            foreach (var property in properties)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var column = ParseColumn(property, out var isOblivious);
                if (column is null && SqlTypes.TryClassify(property.Type, out _, out _, out _))
                {
                    return Skip(RuleIds.TypeCannotBeTable, $"[Column] of property '{property.Name}' of '{type.Name}' gives no column name.", ProblemTarget.Property, property.Name);
                }

                if (column is null)
                {
                    // Every property that cannot be stored is reported (the type is skipped once all are known): a user
                    // fixes them in one build instead of one per build.
                    Skip(RuleIds.ColumnTypeNotSupported, $"Property '{property.Name}' of '{type.Name}' is {property.Type.ToDisplayString()}, which ShardGen cannot store: use a supported type (numbers, bool, string, Guid, dates and times, byte[], enums) or mark it [NotMapped].", ProblemTarget.Property, property.Name);
                    unsupported = true;
                    continue;
                }

                if (unsupported)
                {
                    continue;
                }

                if (!columnNames.Add(column.ColumnName))
                {
                    return Skip(RuleIds.NameClash, $"Two properties of '{type.Name}' map to column '{column.ColumnName}': rename one with [Column].", ProblemTarget.Property, property.Name);
                }

                columns.Add(column);
                oblivious.Add(isOblivious);
            }

            if (unsupported)
            {
                return null;
            }

            if (columns.Count == 0)
            {
                return Skip(RuleIds.TypeCannotBeTable, $"'{type.Name}' has no public property to store.");
            }

            var distributionKey = -1;
            var keyType = default(DistributionKeyType);
            var colocation = ColocationRequest.Default;
            string? colocationArgument = null;
            if (kind == TableKind.Distributed)
            {
                if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not string keyName)
                {
                    return Skip(RuleIds.KeyNamesNoProperty, $"[Distributed] of '{type.Name}' names no distribution key: give the property, e.g. [Distributed(nameof(TenantId))].", ProblemTarget.KeyArgument);
                }

                distributionKey = properties.FindIndex(p => p.Name == keyName);
                if (distributionKey < 0)
                {
                    return Skip(RuleIds.KeyNamesNoProperty, $"'{keyName}' names no stored property of '{type.Name}': the distribution key is a property of the table type itself.", ProblemTarget.KeyArgument);
                }

                var key = columns[distributionKey];
                if (key.IsNullable && !oblivious[distributionKey])
                {
                    return Skip(RuleIds.KeyIsNullable, $"Distribution key '{keyName}' of '{type.Name}' is nullable: every row needs a key to be placed.", ProblemTarget.Property, keyName);
                }

                if (key.EnumTypeName is not null || SqlTypes.KeyTypeOf(key.Type) is not { } resolvedKeyType)
                {
                    return Skip(RuleIds.KeyTypeNotSupported, $"Distribution key '{keyName}' of '{type.Name}' is {properties[distributionKey].Type.ToDisplayString()}: a distribution key is int, long, string or Guid.", ProblemTarget.KeyArgument);
                }

                keyType = resolvedKeyType;
                if (!ParseColocation(attribute, out colocation, out colocationArgument))
                {
                    return Skip(RuleIds.ColocateWithNotDistributed, $"ColocateWith of '{type.Name}' names no type.", ProblemTarget.ColocationArgument);
                }
            }

            var primaryKey = PrimaryKey(properties, distributionKey);
            if (primaryKey is null)
            {
                return Skip(RuleIds.NoPrimaryKey, $"{(kind == TableKind.Reference ? "Reference" : "Local")} table '{type.Name}' has no primary key: add a property named Id, or mark the key properties [PrimaryKey].");
            }

            var declaredKey = properties.Select((p, i) => (p, i)).Where(x => x.p.GetAttributes().Any(a => IsAttribute(a, PrimaryKeyAttribute))).Select(x => x.i).ToList();
            if (distributionKey >= 0 && declaredKey.Count > 0 && !declaredKey.Contains(distributionKey))
            {
                problems.Add(new TableProblem(fullName, RuleIds.PrimaryKeyWithoutDistributionKey,
                    $"The primary key of distributed table '{tableName}' does not include its distribution key '{properties[distributionKey].Name}' (Citus: \"Distributed relations cannot have UNIQUE, EXCLUDE, or PRIMARY KEY constraints that do not include the partition column\"); ShardGen puts it first. Mark it [PrimaryKey] to say so.",
                    ProblemTarget.Property, properties[distributionKey].Name, Skipped: false));
            }

            // A primary key column is NOT NULL: one declared nullable is a mistake, one outside a
            // nullable context is taken as not null.
            foreach (var index in primaryKey)
            {
                if (!columns[index].IsNullable)
                {
                    continue;
                }

                if (!oblivious[index])
                {
                    return Skip(RuleIds.NullablePrimaryKey, $"Primary key column '{properties[index].Name}' of '{type.Name}' is nullable: a primary key column is NOT NULL.", ProblemTarget.Property, properties[index].Name);
                }

                columns[index] = columns[index] with { IsNullable = false };
            }

            var constructor = ChooseConstructor(type, properties);
            if (constructor is null)
            {
                return Skip(RuleIds.TypeCannotBeTable, $"ShardGen cannot construct '{type.Name}' from its columns: give it a constructor whose parameters match properties, with the other properties settable (set or init), or mark get-only properties [NotMapped].");
            }

            ReadTypeModifiers(type, fullName, properties, columns, distributionKey, problems);
            var objects = new TableObjectReader(type, fullName, tableName, properties, columns, distributionKey, problems);
            objects.Read();

            return new TableSpec(
                FullTypeName: type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                Namespace: type.ContainingNamespace.IsGlobalNamespace
                    ? string.Empty
                    : type.ContainingNamespace.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted)),
                TypeName: type.Name,
                IsPublic: type.DeclaredAccessibility == Accessibility.Public,
                IsValueType: type.IsValueType,
                Kind: kind,
                TableName: tableName,
                Columns: columns.ToEquatableArray(),
                PrimaryKey: primaryKey.ToEquatableArray(),
                DistributionKey: distributionKey,
                KeyType: keyType,
                Colocation: colocation,
                ColocationArgument: colocationArgument,
                ConstructorParameters: constructor.ToEquatableArray(),
                Indexes: objects.Indexes.ToEquatableArray(),
                UniqueConstraints: objects.UniqueConstraints.ToEquatableArray(),
                CheckConstraints: objects.CheckConstraints.ToEquatableArray(),
                ForeignKeys: objects.ForeignKeys.ToEquatableArray());
        }

        /// <summary>
        /// The mapped properties: public instance properties with a public getter, not indexers, not
        /// <c>[NotMapped]</c>; base types first, each in declaration order (a record's positional
        /// properties come first, in parameter order). An override or <c>new</c> property takes the place
        /// of the one it hides. <c>EqualityContract</c> is protected, so it never counts.
        /// </summary>
        internal static List<IPropertySymbol> MappedProperties(INamedTypeSymbol type)
        {
            var chain = new List<INamedTypeSymbol>();
            for (var current = type;
                 current is not null && current.SpecialType != SpecialType.System_Object && current.SpecialType != SpecialType.System_ValueType;
                 current = current.BaseType)
            {
                chain.Add(current);
            }

            chain.Reverse();
            var properties = new List<IPropertySymbol>();
            foreach (var declaring in chain)
            {
                foreach (var property in DeclarationOrder(declaring))
                {
                    if (property.IsStatic
                        || property.IsIndexer
                        || property.DeclaredAccessibility != Accessibility.Public
                        || property.GetMethod is not { DeclaredAccessibility: Accessibility.Public }
                        || property.GetAttributes().Any(a => IsAttribute(a, NotMappedAttribute)))
                    {
                        continue;
                    }

                    var hidden = properties.FindIndex(p => p.Name == property.Name);
                    if (hidden >= 0)
                    {
                        properties[hidden] = property;
                    }
                    else
                    {
                        properties.Add(property);
                    }
                }
            }

            return properties;
        }

        /// <summary>
        /// A type's own properties in source order. Column order is part of the schema's fingerprint,
        /// so it must not depend on how the compiler happens to list members: sort by the position of
        /// the first declaration (file order of the partial declarations, then offset).
        /// </summary>
        private static IEnumerable<IPropertySymbol> DeclarationOrder(INamedTypeSymbol type)
        {
            var trees = type.DeclaringSyntaxReferences.Select(r => r.SyntaxTree).Distinct().ToList();
            return type.GetMembers()
                .OfType<IPropertySymbol>()
                .Select((property, index) => (property, index, location: property.Locations.FirstOrDefault()))
                .OrderBy(p => p.location is { IsInSource: true } l ? IndexOfTree(trees, l.SourceTree) : int.MaxValue)
                .ThenBy(p => p.location is { IsInSource: true } l ? l.SourceSpan.Start : int.MaxValue)
                .ThenBy(p => p.index)
                .Select(p => p.property);
        }

        private static int IndexOfTree(List<SyntaxTree> trees, SyntaxTree? tree)
        {
            var index = tree is null ? -1 : trees.IndexOf(tree);
            return index < 0 ? int.MaxValue : index;
        }

        internal static ColumnSpec? ParseColumn(IPropertySymbol property, out bool obliviousReference)
        {
            obliviousReference = false;
            if (!SqlTypes.TryClassify(property.Type, out var columnType, out var enumTypeName, out var isNullableValueType))
            {
                return null;
            }

            // string? and byte[]? are nullable columns and string, byte[] are NOT NULL. Outside a nullable
            // context (oblivious) the compiler cannot say, so the column admits NULL: reading a NULL then
            // works; a primary key column is made NOT NULL by the caller.
            var isNullable = isNullableValueType
                || (SqlTypes.IsReferenceType(columnType) && property.NullableAnnotation == NullableAnnotation.Annotated);
            obliviousReference = SqlTypes.IsReferenceType(columnType) && property.NullableAnnotation == NullableAnnotation.None;

            var columnAttribute = property.GetAttributes().FirstOrDefault(a => IsAttribute(a, ColumnAttribute));
            string columnName;
            if (columnAttribute is null || (columnAttribute.AttributeConstructor is { Parameters.Length: 0 }))
            {
                columnName = Naming.ColumnName(property.Name);
            }
            else if (columnAttribute.ConstructorArguments.Length == 1 && columnAttribute.ConstructorArguments[0].Value is string { Length: > 0 } name)
            {
                columnName = name;
            }
            else
            {
                return null;
            }

            return new ColumnSpec(property.Name, columnName, columnType, enumTypeName, isNullable || obliviousReference);
        }

        /// <summary>
        /// The primary key as indexes into the properties: the <c>[PrimaryKey]</c> properties by
        /// <c>Order</c> (then declaration order), else the property named <c>Id</c>. For a distributed
        /// table the distribution key is always first (moved or prepended), as Citus requires; a
        /// distributed table with neither has the distribution key alone. Null when a reference or
        /// local table has no key.
        /// </summary>
        private static List<int>? PrimaryKey(List<IPropertySymbol> properties, int distributionKey)
        {
            var marked = new List<(int Index, int Order)>();
            for (var i = 0; i < properties.Count; i++)
            {
                var attribute = properties[i].GetAttributes().FirstOrDefault(a => IsAttribute(a, PrimaryKeyAttribute));
                if (attribute is not null)
                {
                    var order = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Order").Value.Value is int o ? o : 0;
                    marked.Add((i, order));
                }
            }

            var key = marked.OrderBy(m => m.Order).ThenBy(m => m.Index).Select(m => m.Index).ToList();
            if (key.Count == 0)
            {
                var id = properties.FindIndex(p => p.Name == "Id");
                if (id >= 0)
                {
                    key.Add(id);
                }
            }

            if (distributionKey >= 0)
            {
                key.Remove(distributionKey);
                key.Insert(0, distributionKey);
            }

            return key.Count == 0 ? null : key;
        }

        /// <summary>
        /// How the row mapper constructs a row. Among the accessible constructors (public, or internal:
        /// the generated code is in the same assembly) whose every parameter matches a mapped property by
        /// name (case-insensitive, exact case preferred) and type, take the one with the most parameters
        /// that leaves only settable (<c>set</c> or <c>init</c>) properties for an object initializer and
        /// satisfies every <c>required</c> member; the first declared wins a tie. A positional record gets
        /// its primary constructor; a class with init properties gets its parameterless constructor.
        /// Null when no constructor works: the type is skipped.
        /// </summary>
        internal static List<ConstructorParameterSpec>? ChooseConstructor(INamedTypeSymbol type, List<IPropertySymbol> properties)
        {
            var required = RequiredMembers(type);
            List<ConstructorParameterSpec>? best = null;
            foreach (var constructor in type.InstanceConstructors)
            {
                if (constructor.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
                {
                    continue;
                }

                var parameters = MatchParameters(constructor, properties);
                if (parameters is null || (best is not null && parameters.Count <= best.Count))
                {
                    continue;
                }

                var covered = new HashSet<int>(parameters.Select(p => p.Column));
                var initialized = new HashSet<string>(StringComparer.Ordinal);
                var settable = true;
                for (var i = 0; i < properties.Count && settable; i++)
                {
                    if (covered.Contains(i))
                    {
                        continue;
                    }

                    settable = properties[i].SetMethod is { DeclaredAccessibility: Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal };
                    initialized.Add(properties[i].Name);
                }

                var setsRequiredMembers = constructor.GetAttributes().Any(a => IsAttribute(a, SetsRequiredMembersAttribute));
                if (settable && (setsRequiredMembers || required.All(initialized.Contains)))
                {
                    best = parameters;
                }
            }

            return best;
        }

        private static List<ConstructorParameterSpec>? MatchParameters(IMethodSymbol constructor, List<IPropertySymbol> properties)
        {
            var result = new List<ConstructorParameterSpec>(constructor.Parameters.Length);
            var used = new HashSet<int>();
            foreach (var parameter in constructor.Parameters)
            {
                if (parameter.RefKind != RefKind.None || parameter.IsParams)
                {
                    return null;
                }

                var index = properties.FindIndex(p => string.Equals(p.Name, parameter.Name, StringComparison.Ordinal));
                if (index < 0)
                {
                    index = properties.FindIndex(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
                }

                if (index < 0 || !used.Add(index) || !SymbolEqualityComparer.Default.Equals(properties[index].Type, parameter.Type))
                {
                    return null;
                }

                result.Add(new ConstructorParameterSpec(parameter.Name, index));
            }

            return result;
        }

        private static HashSet<string> RequiredMembers(INamedTypeSymbol type)
        {
            var required = new HashSet<string>(StringComparer.Ordinal);
            for (var current = type; current is not null; current = current.BaseType)
            {
                foreach (var member in current.GetMembers())
                {
                    if (member is IPropertySymbol { IsRequired: true } || member is IFieldSymbol { IsRequired: true })
                    {
                        required.Add(member.Name);
                    }
                }
            }

            return required;
        }

        /// <summary>
        /// <c>ColocateWith</c> wins over <c>Colocation</c> when both are given. <c>Colocation = "none"</c>
        /// is a group of this table alone; <c>"default"</c>, like an empty name, is the key type's default
        /// group (Citus's spelling of the same two values).
        /// </summary>
        private static bool ParseColocation(AttributeData attribute, out ColocationRequest request, out string? argument)
        {
            request = ColocationRequest.Default;
            argument = null;
            foreach (var named in attribute.NamedArguments)
            {
                if (named.Key == "ColocateWith" && !named.Value.IsNull)
                {
                    if (named.Value.Value is not INamedTypeSymbol target || target.TypeKind == TypeKind.Error)
                    {
                        return false;
                    }

                    request = ColocationRequest.With;
                    argument = target.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                    return true;
                }
            }

            var name = NamedString(attribute, "Colocation");
            if (string.IsNullOrEmpty(name) || name == "default")
            {
                return true;
            }

            if (name == "none")
            {
                request = ColocationRequest.None;
                return true;
            }

            request = ColocationRequest.Named;
            argument = name;
            return true;
        }

        private static string? NamedString(AttributeData attribute, string name)
        {
            foreach (var named in attribute.NamedArguments)
            {
                if (named.Key == name)
                {
                    return named.Value.Value as string;
                }
            }

            return null;
        }

        private static bool IsAttribute(AttributeData attribute, string metadataName)
        {
            var type = attribute.AttributeClass;
            if (type is null || type.ContainingType is not null)
            {
                return false;
            }

            var lastDot = metadataName.LastIndexOf('.');
            return type.MetadataName == metadataName.Substring(lastDot + 1)
                && type.ContainingNamespace.ToDisplayString() == metadataName.Substring(0, lastDot);
        }
    }
}
