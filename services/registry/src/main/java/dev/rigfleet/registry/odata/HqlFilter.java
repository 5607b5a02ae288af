package dev.rigfleet.registry.odata;

import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.registry.service.Paging;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.olingo.commons.api.edm.EdmEnumType;
import org.apache.olingo.commons.api.edm.EdmType;
import org.apache.olingo.server.api.uri.UriResource;
import org.apache.olingo.server.api.uri.queryoption.expression.BinaryOperatorKind;
import org.apache.olingo.server.api.uri.queryoption.expression.Expression;
import org.apache.olingo.server.api.uri.queryoption.expression.ExpressionVisitor;
import org.apache.olingo.server.api.uri.queryoption.expression.Literal;
import org.apache.olingo.server.api.uri.queryoption.expression.Member;
import org.apache.olingo.server.api.uri.queryoption.expression.MethodKind;
import org.apache.olingo.server.api.uri.queryoption.expression.UnaryOperatorKind;

/**
 * Turns a parsed {@code $filter} into an HQL condition with bound parameters. It knows comparisons of a stored field
 * with a value, {@code and}, {@code or}, {@code not}, {@code in}, and the text functions balena's clients send
 * ({@code startswith}, {@code endswith}, {@code contains}, {@code tolower}, {@code toupper}); anything else is a 400
 * that names it.
 */
final class HqlFilter implements ExpressionVisitor<HqlFilter.Term> {

    enum Kind {
        FIELD,
        VALUE,
        CONDITION
    }

    /** A piece of the condition: HQL for a field or a condition, or a value not yet bound. */
    record Term(Kind kind, String hql, Object value) {}

    private static final Map<BinaryOperatorKind, String> COMPARISONS = Map.of(
            BinaryOperatorKind.EQ, "=",
            BinaryOperatorKind.NE, "<>",
            BinaryOperatorKind.GT, ">",
            BinaryOperatorKind.GE, ">=",
            BinaryOperatorKind.LT, "<",
            BinaryOperatorKind.LE, "<=");

    private final Map<String, String> columns;
    private final Map<String, Object> parameters = new LinkedHashMap<>();

    HqlFilter(Map<String, String> columns) {
        this.columns = columns;
    }

    /** The condition an expression stands for. */
    String condition(Expression filter) {
        Term term;
        try {
            term = filter.accept(this);
        } catch (ApiException refused) {
            throw refused;
        } catch (Exception e) {
            throw unsupported(e.getMessage());
        }
        if (term.kind() != Kind.CONDITION) {
            throw unsupported("$filter must be a condition, such as uuid eq '…'");
        }
        return term.hql();
    }

    /** The values the condition binds, by name. */
    Map<String, Object> parameters() {
        return parameters;
    }

    @Override
    public Term visitBinaryOperator(BinaryOperatorKind operator, Term left, Term right) {
        if (operator == BinaryOperatorKind.AND || operator == BinaryOperatorKind.OR) {
            if (left.kind() != Kind.CONDITION || right.kind() != Kind.CONDITION) {
                throw unsupported(operator.name().toLowerCase() + " joins two conditions");
            }
            return condition("(" + left.hql() + " " + operator.name().toLowerCase() + " " + right.hql() + ")");
        }
        String comparison = COMPARISONS.get(operator);
        if (comparison == null) {
            throw unsupported("the operator " + operator + " is not supported");
        }
        if (left.kind() != Kind.FIELD || right.kind() != Kind.VALUE) {
            throw unsupported("a comparison is a field on the left and a value on the right, as in id eq 12");
        }
        if (right.value() == null) {
            if (operator == BinaryOperatorKind.EQ) {
                return condition(left.hql() + " is null");
            }
            if (operator == BinaryOperatorKind.NE) {
                return condition(left.hql() + " is not null");
            }
            throw unsupported("null can only be compared with eq or ne");
        }
        return condition(left.hql() + " " + comparison + " " + bind(right.value()));
    }

    @Override
    public Term visitBinaryOperator(BinaryOperatorKind operator, Term left, List<Term> right) {
        if (operator != BinaryOperatorKind.IN || left.kind() != Kind.FIELD) {
            throw unsupported("the operator " + operator + " is not supported");
        }
        if (right.stream().anyMatch(term -> term.kind() != Kind.VALUE || term.value() == null)) {
            throw unsupported("in takes a list of values");
        }
        return condition(left.hql() + " in ("
                + right.stream().map(term -> bind(term.value())).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public Term visitUnaryOperator(UnaryOperatorKind operator, Term operand) {
        if (operator != UnaryOperatorKind.NOT || operand.kind() != Kind.CONDITION) {
            throw unsupported("the operator " + operator + " is not supported");
        }
        return condition("not (" + operand.hql() + ")");
    }

    @Override
    public Term visitMethodCall(MethodKind method, List<Term> arguments) {
        switch (method) {
            case STARTSWITH:
                return like(method, arguments, "", "%");
            case ENDSWITH:
                return like(method, arguments, "%", "");
            case CONTAINS:
                return like(method, arguments, "%", "%");
            case TOLOWER:
                return new Term(Kind.FIELD, "lower(" + field(method, arguments) + ")", null);
            case TOUPPER:
                return new Term(Kind.FIELD, "upper(" + field(method, arguments) + ")", null);
            default:
                throw unsupported("the function " + method + " is not supported");
        }
    }

    private Term like(MethodKind method, List<Term> arguments, String before, String after) {
        if (arguments.size() != 2
                || arguments.get(0).kind() != Kind.FIELD
                || !(arguments.get(1).value() instanceof String text)) {
            throw unsupported(method + " takes a field and a text, as in startswith(uuid,'a1b2')");
        }
        return condition(
                arguments.get(0).hql() + " like " + bind(before + Paging.likeLiteral(text) + after) + " escape '!'");
    }

    private static String field(MethodKind method, List<Term> arguments) {
        if (arguments.size() != 1 || arguments.get(0).kind() != Kind.FIELD) {
            throw unsupported(method + " takes one field");
        }
        return arguments.get(0).hql();
    }

    @Override
    public Term visitLiteral(Literal literal) {
        String text = literal.getText();
        EdmType type = literal.getType();
        if (type == null || "null".equals(text)) {
            return new Term(Kind.VALUE, null, null);
        }
        switch (type.getName()) {
            case "String":
                return value(text.substring(1, text.length() - 1).replace("''", "'"));
            case "SByte":
            case "Byte":
            case "Int16":
            case "Int32":
            case "Int64":
                return value(Long.parseLong(text));
            case "Boolean":
                return value(Boolean.parseBoolean(text));
            case "DateTimeOffset":
                try {
                    return value(OffsetDateTime.parse(text).toInstant());
                } catch (DateTimeParseException e) {
                    throw unsupported("a time is written as 2026-12-01T10:00:00Z");
                }
            default:
                throw unsupported("values of type " + type.getName() + " are not supported");
        }
    }

    @Override
    public Term visitMember(Member member) {
        String path = member.getResourcePath().getUriResourceParts().stream()
                .map(UriResource::getSegmentValue)
                .collect(Collectors.joining("/"));
        String column = columns.get(path);
        if (column == null) {
            throw ApiException.badRequest("cannot filter or order on " + path + "; stored fields are "
                    + columns.keySet().stream().sorted().collect(Collectors.joining(", ")));
        }
        return new Term(Kind.FIELD, "d." + column, null);
    }

    @Override
    public Term visitLambdaExpression(String function, String variable, Expression expression) {
        throw unsupported("lambda expressions (any, all) are not supported");
    }

    @Override
    public Term visitAlias(String alias) {
        throw unsupported("parameter aliases are not supported");
    }

    @Override
    public Term visitTypeLiteral(EdmType type) {
        throw unsupported("type literals are not supported");
    }

    @Override
    public Term visitLambdaReference(String variable) {
        throw unsupported("lambda expressions (any, all) are not supported");
    }

    @Override
    public Term visitEnum(EdmEnumType type, List<String> values) {
        throw unsupported("enumerations are not supported");
    }

    private String bind(Object value) {
        String name = "p" + parameters.size();
        parameters.put(name, value);
        return ":" + name;
    }

    private static Term value(Object value) {
        return new Term(Kind.VALUE, null, value);
    }

    private static Term condition(String hql) {
        return new Term(Kind.CONDITION, hql, null);
    }

    static ApiException unsupported(String why) {
        return ApiException.badRequest("unsupported $filter: " + why);
    }
}
