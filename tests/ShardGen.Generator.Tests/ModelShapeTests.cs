using System.Reflection;

namespace ShardGen.Generator.Tests;

/// <summary>
/// The models are values: no Roslyn type anywhere inside them (a symbol, node, location, compilation
/// or diagnostic would break caching and pin compilations in memory), and each compares by value.
/// </summary>
public sealed class ModelShapeTests
{
    private static readonly Type[] ModelTypes = typeof(ShardGenGenerator).Assembly.GetTypes()
        .Where(t => t.Namespace == "ShardGen.Generator.Model" || t == typeof(EquatableArray<>))
        .Where(t => !t.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute)))
        .ToArray();

    public static TheoryData<string> ModelTypeNames()
    {
        var data = new TheoryData<string>();
        foreach (var type in ModelTypes)
        {
            data.Add(type.FullName!);
        }

        return data;
    }

    [Fact]
    public void The_model_namespace_holds_the_specs()
    {
        Assert.Contains(ModelTypes, t => t.Name == "TableSpec");
        Assert.Contains(ModelTypes, t => t.Name == "ColumnSpec");
        Assert.Contains(ModelTypes, t => t.Name == "SchemaModel");
        Assert.Contains(ModelTypes, t => t.Name == "TableModel");
    }

    [Theory]
    [MemberData(nameof(ModelTypeNames))]
    public void A_model_type_holds_no_Roslyn_type(string typeName)
    {
        var type = ModelTypes.Single(t => t.FullName == typeName);
        foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
        {
            Assert.False(MentionsRoslyn(field.FieldType), $"{type.Name}.{field.Name} is a {field.FieldType}.");
        }

        foreach (var property in type.GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            Assert.False(MentionsRoslyn(property.PropertyType), $"{type.Name}.{property.Name} is a {property.PropertyType}.");
        }
    }

    [Theory]
    [MemberData(nameof(ModelTypeNames))]
    public void A_model_type_is_an_enum_or_equatable_by_value(string typeName)
    {
        var type = ModelTypes.Single(t => t.FullName == typeName);
        if (type.IsEnum)
        {
            return;
        }

        var self = type.IsGenericTypeDefinition ? type.MakeGenericType(typeof(string)) : type;
        Assert.True(typeof(IEquatable<>).MakeGenericType(self).IsAssignableFrom(self), $"{type.Name} is not IEquatable<{type.Name}>.");
        Assert.True(self.IsValueType || self.GetMethod("<Clone>$") is not null, $"{type.Name} is neither a record nor a struct.");
    }

    [Fact]
    public void The_check_itself_sees_Roslyn_types_inside_generics_and_arrays()
    {
        Assert.True(MentionsRoslyn(typeof(Microsoft.CodeAnalysis.ISymbol)));
        Assert.True(MentionsRoslyn(typeof(List<Microsoft.CodeAnalysis.Location>)));
        Assert.True(MentionsRoslyn(typeof(Microsoft.CodeAnalysis.SyntaxNode[])));
        Assert.True(MentionsRoslyn(typeof(EquatableArray<>).MakeGenericType(typeof(Microsoft.CodeAnalysis.Text.TextSpan))));
        Assert.False(MentionsRoslyn(typeof(EquatableArray<string>)));
    }

    private static bool MentionsRoslyn(Type type)
    {
        if (type.IsGenericParameter)
        {
            return false;
        }

        if (type.Namespace?.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) == true)
        {
            return true;
        }

        if (type.HasElementType && MentionsRoslyn(type.GetElementType()!))
        {
            return true;
        }

        return type.IsGenericType && type.GetGenericArguments().Any(MentionsRoslyn);
    }
}
