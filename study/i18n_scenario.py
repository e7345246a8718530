"""Display words for the scenario's own settings on the run page (calling rule, machine facts), in both languages.

Merged into :data:`study.i18n.EN` / :data:`study.i18n.ZH` like
:mod:`study.i18n_results`. The English words are the scenario's own keys and
values (``idle_choice: longest_idle``), so English pages read as the YAML
does; the Chinese words say what they mean. Keys: ``calling_<key>`` for the
keys of ``calling:``, ``calling_<value>`` for its values, ``machine_<key>``
for the manifest's machine facts, ``dist_<name>`` for distribution families and ``param_<name>`` for their
parameters (``_min`` dropped).
"""

EN = {
    "calling_rule": "rule",
    "calling_idle_choice": "idle_choice",
    "calling_no_show_delay_min": "no_show_delay_min",
    "calling_end_of_day": "end_of_day",
    "calling_fcfs": "fcfs",
    "calling_primary_skill_first": "primary_skill_first",
    "calling_longest_idle": "longest_idle",
    "calling_least_flexible": "least_flexible",
    "calling_serve_until_empty": "serve_until_empty",
    "calling_send_home": "send_home",
    "machine_platform": "platform",
    "machine_processor": "processor",
    "machine_cpus": "cpus",
    "dist_lognormal": "lognormal",
    "dist_gamma": "gamma",
    "dist_exponential": "exponential",
    "dist_triangular": "triangular",
    "dist_deterministic": "deterministic",
    "dist_empirical": "empirical",
    "param_mean": "mean",
    "param_cv": "cv",
    "param_min": "min",
    "param_mode": "mode",
    "param_max": "max",
    "param_value": "value",
    "param_values": "values",
    "param_weights": "weights",
}

ZH = {
    "calling_rule": "叫号顺序",
    "calling_idle_choice": "新到群众由谁办理",
    "calling_no_show_delay_min": "过号耗时（分钟）",
    "calling_end_of_day": "下班时仍有人等候",
    "calling_fcfs": "先到先办（本人全部技能）",
    "calling_primary_skill_first": "按技能顺序优先",
    "calling_longest_idle": "空闲最久者",
    "calling_least_flexible": "技能最少者",
    "calling_serve_until_empty": "办完再下班（至最晚结束时间）",
    "calling_send_home": "按时下班",
    "machine_platform": "操作系统",
    "machine_processor": "处理器",
    "machine_cpus": "处理器核数",
    "dist_lognormal": "对数正态分布",
    "dist_gamma": "伽马分布",
    "dist_exponential": "指数分布",
    "dist_triangular": "三角分布",
    "dist_deterministic": "固定值",
    "dist_empirical": "经验分布",
    "param_mean": "均值",
    "param_cv": "变异系数",
    "param_min": "最小",
    "param_mode": "众数",
    "param_max": "最大",
    "param_value": "取值",
    "param_values": "取值",
    "param_weights": "权重",
}
