"""From the hall's own ticket log (排队叫号 export): import, fit, forecast, calibrate.

Modules: :mod:`.schema` (columns and header names), :mod:`.importing`
(CSV/XLSX reading and row checks), :mod:`.export` (simulated days as a
ticket log), :mod:`.fitting` (scenario inputs by maximum likelihood and
survival analysis), :mod:`.scenario_writer` (the commented scenario YAML),
:mod:`.forecast` (daily volume ahead, with a backtest), :mod:`.calibrate`
(simulated against observed waits) and :mod:`.pages` (the HTML pages).
Fitting is input analysis: it produces a scenario and never touches the model.
"""
