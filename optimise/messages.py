"""The optimiser's notes and reasons in two languages (codes for :mod:`sim.messages`).

Registered when imported: the MILP's binding reasons (``milp.*``, held as
English text in the ``binding`` column of the shortfalls and read back by
:func:`sim.messages.parse`), the repair loop's notes (``loop.*``), the
search's (``search.*``), the lower bound's (``bound.*``) and the causes'
lines (``causes.*``). Numbers are passed already formatted.
"""

from __future__ import annotations

from sim.messages import Message, parse, register, translate

CATALOGUE: dict[str, tuple[str, str]] = {
    # why the MILP could not staff a period further (optimise.shifts)
    "milp.windows_in_use": ("all {windows} windows at '{station}' are in use", "“{station}”的全部 {windows} 个窗口都已占用"),
    "milp.headcount_used": ("headcount of {staff_type} ({limit}) is used up", "{staff_type} 的编制人数（{limit}）已用完"),
    "milp.template_full": ("template {template} is at its max_staff ({max_staff})",
                           "班次模板 {template} 已达到其 max_staff（{max_staff}）"),
    "milp.no_pattern_on_duty": ("no allowed shift pattern of an eligible staff type is on duty then",
                                "此时没有可用班次让合适的人员类型在岗"),
    "milp.no_type_here": ("no staff type may do it at this station", "没有任何人员类型可在该站点办理此业务"),
    "milp.other_rules": ("the other requirements and rules", "其他需求和规则"),
    # the simulate-and-repair loop (optimise.loop) and its deduplicated notes (optimise.causes)
    "loop.repair_stopped": ("repair stopped: every station that the missed targets point to is at its limit",
                            "修复停止：未达标目标所指向的每个站点都已达到上限"),
    "loop.station_saturated": ("{station} in {interval} could not be staffed further: {why}",
                               "{station} 在 {interval} 无法再增加人员：{why}"),
    "loop.station_saturated_in": ("{station} could not be staffed further in {intervals}: {why}",
                                  "{station} 在 {intervals} 无法再增加人员：{why}"),
    "loop.no_roster_change": ("no roster change covers it", "没有任何排班调整能覆盖它"),
    "loop.misses_in_sample": ("the best roster misses {n} target-intervals in sample (see verification)",
                              "最佳排班在样本内仍有 {n} 个目标时段未达标（见验证）"),
    "loop.time_limited": ("some MILP solves stopped on their time limit: the rosters they gave are not proven "
                          "cheapest for their requirements (see milp_status and milp_gap in iterations.csv)",
                          "部分 MILP 求解因时间限制而停止：其给出的排班未被证明是满足其需求的最低成本排班"
                          "（见 iterations.csv 中的 milp_status 和 milp_gap）"),
    # requirement methods, as named in a note's parameters (read back by name: translate("sipp", "zh"))
    "method.time_varying": ("time_varying", "时变需求法"),
    "method.sipp": ("sipp", "逐时段平稳需求法（SIPP）"),
    "method.transient": ("transient", "瞬态需求法"),
    # the search over rosters (optimise.search)
    "search.start_holds": ("start: {method} (cost {cost}, holds every target in sample)",
                           "起点：{method}（成本 {cost}，样本内达成全部目标）"),
    "search.start_misses": ("start: {method} (cost {cost}, misses targets in sample)",
                            "起点：{method}（成本 {cost}，样本内有目标未达成）"),
    "search.no_start_holds": ("no start holds every target in sample: the local search (which only makes rosters "
                              "cheaper) is skipped",
                              "没有任何起点在样本内达成全部目标：跳过局部搜索（它只会让排班更便宜）"),
    "search.budget": ("the search stopped on its budget ({budget_s} s): not a local optimum, nothing proven",
                      "搜索因时间预算（{budget_s} 秒）用尽而停止：不是局部最优，未证明任何结论"),
    "search.own_optimum_missed": ("moves from the roster reported keep every target in sample: the search's own "
                                  "optimum missed out of sample, so nothing is proven about this roster",
                                  "从所报告排班出发的调整在样本内仍达成全部目标：搜索自身的最优解在样本外未达标，"
                                  "因此对该排班未证明任何结论"),
    "search.curtailed": ("{k} move(s) of the final pass were stopped early: paired with the incumbent on the same "
                         "days, each was under {chance} likely to hold every target on {n} replications "
                         "(stochastic curtailment; stage 'curtailed' and column chance in moves.csv; "
                         "--futility 0 simulates every move to the end)",
                         "最后一轮中有 {k} 个调整被提前停止：与当前排班在相同日子上配对比较，每个调整在 {n} 次重复下"
                         "达成全部目标的可能性都低于 {chance}（随机截断；见 moves.csv 中的 stage “curtailed” 和 chance 列；"
                         "--futility 0 则把每个调整都模拟到底）"),
    "search.stepped_back": ("the {k} cheapest accepted roster(s) missed a target out of sample; the next one back "
                            "is reported",
                            "最便宜的 {k} 个被接受的排班在样本外有目标未达成；报告的是再往前的一个"),
    "search.time_limited": ("{n} MILP solve(s) stopped on their time limit: the rosters they gave are not proven "
                            "cheapest for their requirements (milp_status, milp_gap in iterations.csv)",
                            "{n} 次 MILP 求解因时间限制而停止：其给出的排班未被证明是满足其需求的最低成本排班"
                            "（见 iterations.csv 中的 milp_status、milp_gap）"),
    # the lower bound (optimise.lower_bound)
    "bound.fluid_work": ("fluid work: the work of the citizens ticketed after each moment, done by the hard stop",
                         "流体工作量：每一时刻之后取号群众的工作量，须在最晚结束时间前完成"),
    "bound.infeasible": ("no roster within the windows, headcount, templates and cover rules can do the day's work "
                         "by the hard stop: no roster meets every target",
                         "在窗口、编制、班次模板和覆盖规则之内，没有任何排班能在最晚结束时间前完成当天的工作："
                         "没有排班能达成全部目标"),
    "bound.unavailable": ("lower bound not available: {why}", "下界不可用：{why}"),
    "bound.no_bound": ("lower bound not available: the solve stopped on its time limit without a bound",
                       "下界不可用：求解因时间限制而停止，且没有得到界"),
    "bound.optimal": ("lower bound {cost} ({method}; {constraints} work constraints, optimal, {time_s} s)",
                      "下界 {cost}（{method}；{constraints} 条工作量约束，最优，{time_s} 秒）"),
    "bound.time_limited": ("lower bound {cost} ({method}; {constraints} work constraints, time-limited: the "
                           "solver's best bound, gap {gap_pct}%, {time_s} s)",
                           "下界 {cost}（{method}；{constraints} 条工作量约束，受时间限制：求解器的最优界，"
                           "间隙 {gap_pct}%，{time_s} 秒）"),
    # why there are no remedies (study.commands.optimise_advice)
    "remedies.switched_off": ("remedies switched off (--no-remedies)", "已关闭调整方案（--no-remedies）"),
    "remedies.none_needed": ("every target is met out of sample: no remedies needed",
                             "样本外全部目标均已达标：无需调整"),
    # how far a remedy's cost is proven (optimise.remedies)
    "remedy.cost_not_searched": ("cost from the repair loop; not searched: an upper bound on the changed hall's "
                                 "cheapest roster",
                                 "成本来自修复循环，未经局部搜索：是调整后大厅最便宜排班成本的上界"),
    "remedy.cost_searched": ("cost after the local search from the repair loop's roster ({moves} moves tried): "
                             "a local optimum of the search, still an upper bound on the changed hall's cheapest "
                             "roster",
                             "成本经局部搜索（从修复循环的排班出发，试了 {moves} 步）：是搜索的局部最优，仍是调整后大厅"
                             "最便宜排班成本的上界"),
    "remedy.cost_search_budget": ("cost after a local search stopped on its budget ({budget_s} s): not a local "
                                  "optimum, an upper bound on the changed hall's cheapest roster",
                                  "成本经局部搜索，但搜索因时间预算（{budget_s} 秒）用尽而停止：不是局部最优，"
                                  "是调整后大厅最便宜排班成本的上界"),
    "remedy.cost_search_missed": ("the local search's roster for this remedy missed a target out of sample: cost "
                                  "from the repair loop, an upper bound on the changed hall's cheapest roster",
                                  "局部搜索为该方案找到的排班在样本外有目标未达成：成本来自修复循环，是调整后大厅最便宜排班"
                                  "成本的上界"),
    "remedy.cost_search_not_cheaper": ("the local search found no cheaper roster for this remedy (its best costs "
                                       "{cost}): cost from the repair loop, an upper bound on the changed hall's "
                                       "cheapest roster",
                                       "局部搜索没有为该方案找到更便宜的排班（其最优为 {cost}）：成本来自修复循环，是调整后"
                                       "大厅最便宜排班成本的上界"),
    # the binding limits per station (optimise.causes)
    "causes.binding_line": ("{station}: {why}, {spans} (short by up to {short} staff)",
                            "{station}：{why}，{spans}（最多缺 {short} 人）"),
}

register(CATALOGUE)

__all__ = ["CATALOGUE", "Message", "parse", "translate"]
