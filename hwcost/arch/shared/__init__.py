"""What every accelerator template shares: workload tables, the memory system, pricing, the
bill of materials and the cache of one evaluation."""
