package dev.rigfleet.common.paging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rigfleet.common.error.ApiException;
import java.util.List;
import org.junit.jupiter.api.Test;

class PageRequestTest {

    private static final List<String> FIVE = List.of("a", "b", "c", "d", "e");

    @Test
    void zeroPerPageIsOnePageWithEverything() {
        Page<String> page = PageRequest.of("0", "3").slice(FIVE);
        assertEquals(FIVE, page.items());
        assertEquals(1, page.pageCount());
    }

    @Test
    void pagePastTheEndIsTheLastPage() {
        Page<String> page = PageRequest.of("2", "10").slice(FIVE);
        assertEquals(List.of("e"), page.items());
        assertEquals(3, page.pageCount());
    }

    @Test
    void pageZeroIsClampedToTheFirst() {
        assertEquals(List.of("a", "b"), PageRequest.of("2", "0").slice(FIVE).items());
    }

    @Test
    void emptyListIsOneEmptyPage() {
        Page<String> page = PageRequest.of("2", "4").slice(List.of());
        assertEquals(List.of(), page.items());
        assertEquals(1, page.pageCount());
    }

    @Test
    void negativeOrNonNumericValuesAreRefused() {
        assertEquals(
                400,
                assertThrows(ApiException.class, () -> PageRequest.of("-1", null))
                        .status());
        assertEquals(
                400,
                assertThrows(ApiException.class, () -> PageRequest.of(null, "-2"))
                        .status());
        assertEquals(
                400,
                assertThrows(ApiException.class, () -> PageRequest.of("ten", null))
                        .status());
        assertEquals(
                400,
                assertThrows(ApiException.class, () -> PageRequest.of("99999999999", null))
                        .status());
    }

    enum Orders {
        INC_START_DATE,
        DEC_START_DATE
    }

    @Test
    void sortOrderIsReadOrRefused() {
        assertEquals(Orders.INC_START_DATE, SortOrder.parse("inc_start_date", Orders.DEC_START_DATE));
        assertEquals(Orders.DEC_START_DATE, SortOrder.parse(null, Orders.DEC_START_DATE));
        ApiException refused =
                assertThrows(ApiException.class, () -> SortOrder.parse("sideways", Orders.DEC_START_DATE));
        assertEquals("sort_by must be one of: inc_start_date, dec_start_date", refused.getMessage());
    }
}
