#pragma once

// Counts an order in orders_total of the current registry.
void record_order();
