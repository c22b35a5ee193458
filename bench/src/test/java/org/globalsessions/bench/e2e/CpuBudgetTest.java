package org.globalsessions.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CpuBudgetTest {

    @Test
    void theDefaultFitsThreeExpansionNodesOnOneCpuAndTheRelayCanServeThem() {
        CpuBudget budget = CpuBudget.parse("default");
        assertEquals(CpuBudget.DEFAULT, budget);
        assertTrue(budget.total(3) <= 100, "every quota usable at once on CPU 1: " + budget.total(3));
        assertTrue(budget.relayPercent() >= 1.5 * 3 * budget.expansionPercent(),
                "the relay+sibling JVM costs up to 1.5 times the expansion nodes together per read: " + budget);
        assertEquals(Math.round(CpuBudget.DEFAULT_EXPANSION * 1_000), budget.quotaMicros(CpuUse.Role.EXPANSION));
    }

    @Test
    void quotasArePercentOfTheHundredMillisecondPeriod() {
        CpuBudget budget = new CpuBudget(62.5, 10, 5);
        assertEquals(62_500, budget.quotaMicros(CpuUse.Role.RELAY));
        assertEquals(10_000, budget.quotaMicros(CpuUse.Role.EXPANSION));
        assertEquals(5_000, budget.quotaMicros(CpuUse.Role.AGING));
        assertThrows(IllegalArgumentException.class, () -> budget.quotaMicros(CpuUse.Role.LOAD_GENERATOR));
        assertThrows(IllegalArgumentException.class, () -> budget.quotaMicros(CpuUse.Role.APP));
        assertThrows(IllegalArgumentException.class, () -> budget.quotaMicros(CpuUse.Role.REDIS));
        assertEquals(62.5 + 20 + 5, budget.total(2), 1e-9);
    }

    @Test
    void aPartialSpecKeepsTheOtherDefaultsAndReadsBackAsItsSpec() {
        CpuBudget budget = CpuBudget.parse("expansion=12, relay=70");
        assertEquals(new CpuBudget(70, 12, CpuBudget.DEFAULT_AGING), budget);
        assertEquals("relay=70,expansion=12,aging=" + (long) CpuBudget.DEFAULT_AGING, budget.spec());
        assertEquals(budget, CpuBudget.parse(budget.spec()));
        assertTrue(budget.describe().startsWith("relay+sibling 70 %, each expansion node 12 %"), budget.describe());
    }

    @Test
    void aBadSpecIsRefusedNamingTheBadPart() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CpuBudget.parse("sibling=5")).getMessage().contains("'sibling=5'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CpuBudget.parse("expansion=ten")).getMessage()
                .contains("expansion=ten is not a number"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CpuBudget.parse("expansion=0.5")).getMessage()
                .contains("expansion=0.5 must be between 1 and 100"));
        assertThrows(IllegalArgumentException.class, () -> CpuBudget.parse("relay=150"));
        assertThrows(IllegalArgumentException.class, () -> CpuBudget.parse("relay"));
    }
}
