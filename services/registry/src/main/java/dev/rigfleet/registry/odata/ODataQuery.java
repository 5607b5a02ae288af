package dev.rigfleet.registry.odata;

import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.registry.odata.BalenaModel.Resource;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.olingo.server.api.OData;
import org.apache.olingo.server.api.uri.UriInfo;
import org.apache.olingo.server.api.uri.UriResource;
import org.apache.olingo.server.api.uri.queryoption.ExpandItem;
import org.apache.olingo.server.api.uri.queryoption.OrderByItem;
import org.apache.olingo.server.api.uri.queryoption.SelectItem;
import org.apache.olingo.server.api.uri.queryoption.SelectOption;
import org.apache.olingo.server.api.uri.queryoption.expression.Member;
import org.apache.olingo.server.core.uri.parser.Parser;
import org.apache.olingo.server.core.uri.parser.UriParserException;
import org.apache.olingo.server.core.uri.validator.UriValidationException;

/**
 * A read of balena's OData API: which resource, the key if one is given, and the query options, checked against
 * {@link BalenaModel}. Olingo parses the query options; the resource path is parsed here, because balena keys a
 * device by {@code uuid='…'} as well as by id, an alternate key Olingo's parser does not know.
 *
 * @param select the fields asked for; null for every field
 * @param applicationSelect with {@code expandApplication}, the application's fields asked for; null for every field
 * @param where an HQL condition on the resource's row {@code d}, or null
 */
public record ODataQuery(
        Resource<?> resource,
        Long id,
        String uuid,
        List<String> select,
        boolean expandApplication,
        List<String> applicationSelect,
        String where,
        Map<String, Object> parameters,
        String orderBy,
        Integer top,
        Integer skip) {

    private static final Pattern PATH =
            Pattern.compile("(device|application)(?:\\((?:(\\d{1,18})|uuid='((?:[^']|'')*)')\\))?");
    private static final Set<String> OPTIONS = Set.of("$select", "$expand", "$filter", "$orderby", "$top", "$skip");
    private static final OData ODATA = OData.newInstance();

    /**
     * @param path the resource path after {@code /v7/}, percent-decoded
     * @param rawQuery the query string as sent, or null
     */
    public static ODataQuery parse(String path, String rawQuery) {
        Matcher resourcePath = PATH.matcher(path);
        if (!resourcePath.matches()) {
            throw ApiException.badRequest("rigfleet serves the OData resources device, device(<id>), "
                    + "device(uuid='<uuid>'), application and application(<id>), not " + path);
        }
        Resource<?> resource = resourcePath.group(1).equals("device") ? BalenaModel.DEVICE : BalenaModel.APPLICATION;
        Long id = resourcePath.group(2) == null ? null : Long.valueOf(resourcePath.group(2));
        String uuid =
                resourcePath.group(3) == null ? null : resourcePath.group(3).replace("''", "'");
        if (uuid != null && resource == BalenaModel.APPLICATION) {
            throw ApiException.badRequest("an application is keyed by its id: application(<id>)");
        }
        checkOptions(rawQuery);
        rawQuery = withPineForeignKeys(rawQuery);
        UriInfo uri;
        try {
            uri = new Parser(
                            ODATA.createServiceMetadata(BalenaModel.edm(), List.of())
                                    .getEdm(),
                            ODATA)
                    .parseUri(resource.name(), rawQuery, null, "");
        } catch (UriParserException | UriValidationException e) {
            throw ApiException.badRequest("unsupported OData query: " + e.getMessage());
        }
        boolean expand = false;
        List<String> applicationSelect = null;
        if (uri.getExpandOption() != null) {
            for (ExpandItem item : uri.getExpandOption().getExpandItems()) {
                checkExpand(resource, item);
                expand = true;
                applicationSelect = fields(item.getSelectOption());
            }
        }
        Map<String, String> columns = resource.columns();
        String where = null;
        Map<String, Object> parameters = Map.of();
        if (uri.getFilterOption() != null) {
            HqlFilter filter = new HqlFilter(columns);
            where = filter.condition(uri.getFilterOption().getExpression());
            parameters = filter.parameters();
        }
        return new ODataQuery(
                resource,
                id,
                uuid,
                fields(uri.getSelectOption()),
                expand,
                applicationSelect,
                where,
                parameters,
                orderBy(uri, columns),
                uri.getTopOption() == null ? null : uri.getTopOption().getValue(),
                uri.getSkipOption() == null ? null : uri.getSkipOption().getValue());
    }

    private static void checkOptions(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return;
        }
        for (String option : rawQuery.split("&")) {
            int equals = option.indexOf('=');
            String name = decode(equals < 0 ? option : option.substring(0, equals));
            if (!OPTIONS.contains(name)) {
                throw ApiException.badRequest(
                        "unsupported OData query option " + name + "; rigfleet serves " + String.join(", ", sorted()));
            }
        }
    }

    /**
     * pine, balena's OData server, lets a filter compare a navigation with a key, as balena-sdk's {@code
     * belongs_to__application eq 3}; in OData that is the navigation's {@code id}, so the {@code $filter} is rewritten
     * to say so before Olingo reads it. Text in quotes is left as it is.
     */
    static String withPineForeignKeys(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return rawQuery;
        }
        List<String> options = new ArrayList<>();
        for (String option : rawQuery.split("&")) {
            int equals = option.indexOf('=');
            if (equals > 0 && decode(option.substring(0, equals)).equals("$filter")) {
                String filter = foreignKeysAsIds(decode(option.substring(equals + 1)));
                option = option.substring(0, equals + 1)
                        + URLEncoder.encode(filter, StandardCharsets.UTF_8).replace("+", "%20");
            }
            options.add(option);
        }
        return String.join("&", options);
    }

    private static String foreignKeysAsIds(String filter) {
        String navigation = BalenaModel.APPLICATION_NAVIGATION;
        StringBuilder rewritten = new StringBuilder();
        boolean quoted = false;
        int at = 0;
        while (at < filter.length()) {
            char c = filter.charAt(at);
            if (c == '\'') {
                quoted = !quoted; // a doubled quote inside text closes and reopens: still text
            } else if (!quoted
                    && filter.startsWith(navigation, at)
                    && (at == 0 || !identifier(filter.charAt(at - 1)))) {
                int end = at + navigation.length();
                int next = end;
                while (next < filter.length() && filter.charAt(next) == ' ') {
                    next++;
                }
                boolean bare = (end == filter.length() || !identifier(filter.charAt(end)))
                        && (next == filter.length() || (filter.charAt(next) != '/' && filter.charAt(next) != '('));
                rewritten.append(navigation).append(bare ? "/id" : "");
                at = end;
                continue;
            }
            rewritten.append(c);
            at++;
        }
        return rewritten.toString();
    }

    private static boolean identifier(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    /** Percent-decoding as in a URL's query, with a literal '+' kept as one (OData writes a space as %20). */
    private static String decode(String raw) {
        return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static List<String> sorted() {
        return OPTIONS.stream().sorted().toList();
    }

    private static void checkExpand(Resource<?> resource, ExpandItem item) {
        List<UriResource> parts = item.getResourcePath() == null
                ? List.of()
                : item.getResourcePath().getUriResourceParts();
        if (item.isStar()
                || resource.navigation() == null
                || parts.size() != 1
                || !parts.get(0).getSegmentValue().equals(resource.navigation())) {
            throw ApiException.badRequest(
                    "only device can be expanded, and only by " + BalenaModel.APPLICATION_NAVIGATION);
        }
        if (item.getFilterOption() != null
                || item.getExpandOption() != null
                || item.getOrderByOption() != null
                || item.getTopOption() != null
                || item.getSkipOption() != null
                || item.getCountOption() != null
                || item.getLevelsOption() != null
                || item.getSearchOption() != null
                || item.getApplyOption() != null
                || item.isRef()) {
            throw ApiException.badRequest("an expanded application takes $select only");
        }
    }

    private static List<String> fields(SelectOption select) {
        if (select == null) {
            return null;
        }
        List<String> names = new ArrayList<>();
        for (SelectItem item : select.getSelectItems()) {
            if (item.isStar()) {
                return null;
            }
            List<UriResource> parts = item.getResourcePath().getUriResourceParts();
            if (parts.size() != 1) {
                throw ApiException.badRequest("$select names fields of the resource itself");
            }
            names.add(parts.get(0).getSegmentValue());
        }
        return names;
    }

    private static String orderBy(UriInfo uri, Map<String, String> columns) {
        if (uri.getOrderByOption() == null) {
            return "d.id";
        }
        HqlFilter members = new HqlFilter(columns);
        List<String> order = new ArrayList<>();
        for (OrderByItem item : uri.getOrderByOption().getOrders()) {
            if (!(item.getExpression() instanceof Member member)) {
                throw ApiException.badRequest("$orderby takes fields, as in device_name asc");
            }
            order.add(members.visitMember(member).hql() + (item.isDescending() ? " desc" : " asc"));
        }
        order.add("d.id");
        return order.stream().collect(Collectors.joining(", "));
    }
}
