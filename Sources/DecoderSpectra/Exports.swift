// `import DecoderSpectra` brings the whole library, as `import Numerics` brings swift-numerics' modules. Each layer can
// also be imported alone (`import SpectraCore` for tensors and spectra only); see ARCHITECTURE.md for what each holds.
@_exported import SpectraAnalysis
@_exported import SpectraCore
@_exported import SpectraIO
@_exported import SpectraNetwork
@_exported import SpectraONNX
@_exported import SpectraPaper
@_exported import SpectraReport
@_exported import SpectraTraining
